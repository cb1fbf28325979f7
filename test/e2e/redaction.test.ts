// A tool that echoes its input hands the user's key straight back to the client's
// transcript if nothing stops it: through the compiled daemon, demo's echo of alice's key
// (as typed, base64, percent-encoded) reaches the SDK client as [redacted], and text that
// only looks like it passes.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startDemoDaemon, type DemoDaemon } from "../helpers/demoDaemon.ts";
import { waitFor } from "../helpers/net.ts";

const KEY = "demo-key-of-alice-9f2c4e";
let d: DemoDaemon;
let url: string;

beforeAll(async () => {
  d = await startDemoDaemon("mcpd-e2e-redaction", async (c) => void (url = (await c.addUser("alice", KEY)).url));
}, 60_000);
afterAll(async () => d?.stop(), 20_000);

test("demo's echo of the user's own key, of its base64 and percent-encoding, arrives [redacted]; a look-alike passes; audited secret-redacted", async () => {
  const client = new Client({ name: "redaction-test", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  const echo = async (text: string) => ((await client.callTool({ name: "echo", arguments: { text } })).content as Array<{ text: string }>)[0]!.text;
  expect(await echo(`my key is ${KEY}`)).toBe("my key is [redacted]");
  expect(await echo(Buffer.from(KEY).toString("base64"))).toBe("[redacted]");
  expect(await echo(`?k=${encodeURIComponent(`${KEY}/x`)}`)).toBe("?k=[redacted]%2Fx");
  const lookalike = `${KEY.slice(0, -1)}0 is not it`;
  expect(await echo(lookalike)).toBe(lookalike);
  await client.close();
  await waitFor(async () => JSON.parse((await d.mcpd(["audit", "--json", "--user", "alice"])).stdout).some((r: { event: string | null }) => r.event === "secret-redacted"), {
    timeoutMs: 15_000,
    what: "a secret-redacted audit row",
  });
}, 60_000);
