// The stdio bridge as real clients reach it: the compiled daemon (proxy + bridge), users
// onboarded with the CLI, the MCP SDK's own client transports.
import { afterEach, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { createHash } from "node:crypto";
import { startStdioDaemon, type StdioDaemon } from "../helpers/stdioDaemon.ts";

const fp = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 16);

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function daemon(services: Array<Record<string, unknown>>): Promise<StdioDaemon> {
  const d = await startStdioDaemon(services);
  cleanups.push(() => d.stop());
  return d;
}

async function legacyClient(mcpUrl: string): Promise<Client> {
  const client = new Client({ name: "legacy-e2e", version: "1" });
  await client.connect(new SSEClientTransport(new URL(mcpUrl.replace(/\/mcp$/, "/sse"))));
  cleanups.push(() => client.close().catch(() => {}));
  return client;
}

const text = (r: unknown) => (r as { content: Array<{ text: string }> }).content[0]!.text;

test("legacy HTTP+SSE: the SDK's SSEClientTransport lists and calls tools on a per-user and a shared stdio service", async () => {
  const d = await daemon([{ name: "own" }, { name: "common", mode: "shared", credential: undefined }]);
  const alice = await d.add("own", "alice");
  const bob = await d.add("common", "bob");

  const a = await legacyClient(alice.url);
  expect((await a.listTools()).tools.map((t) => t.name)).toContain("whoami");
  expect(JSON.parse(text(await a.callTool({ name: "whoami", arguments: {} }))).fingerprint).toBe(fp("key-of-alice"));

  const b = await legacyClient(bob.url);
  expect((await b.listTools()).tools.map((t) => t.name)).toContain("echo");
  expect(text(await b.callTool({ name: "echo", arguments: { text: "through the daemon" } }))).toBe("through the daemon");
}, 60_000);
