// A remote MCP server fronted as a service of its own: no process, the proxy forwards to
// its HTTPS URL with each user's key injected, verifying its certificate against the CA
// the config names; the same instance URLs, sessions and audit as a local service.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { DaemonStatus } from "../../src/control/types.ts";
import { waitFor } from "../helpers/net.ts";
import { startPortsDaemon, type PortsDaemon } from "../helpers/portsDaemon.ts";
import { tempDir } from "../helpers/tmp.ts";
import { startRemoteMcp, type RemoteMcp } from "../fixtures/upstreams/remoteMcp.ts";

let tmp: ReturnType<typeof tempDir>;
let remote: RemoteMcp;
let d: PortsDaemon;
const mcpd = (args: string[], stdin?: string) => d.mcpd(args, { stdin });
const status = async () => JSON.parse((await mcpd(["status", "--json"])).stdout || "null") as DaemonStatus | null;

beforeAll(async () => {
  tmp = tempDir("mcpd-e2e-remote");
  mkdirSync(join(tmp.dir, "certs"));
  remote = startRemoteMcp(join(tmp.dir, "certs"));
  const portsDir = join(tmp.dir, "ports");
  const credential = { label: "token for the remote server", inject: { header: "Authorization", format: "Bearer {secret}" } };
  mkdirSync(join(portsDir, "hosted"), { recursive: true });
  copyFileSync(remote.caFile, join(portsDir, "hosted", "ca.pem"));
  writeFileSync(join(portsDir, "hosted", "config.json"), JSON.stringify({ name: "hosted", prefix: "host", run: { url: remote.url, ca: "ca.pem" }, credential }));
  // The same server without its CA: the certificate cannot be verified, so nothing is sent.
  mkdirSync(join(portsDir, "unverified"), { recursive: true });
  writeFileSync(join(portsDir, "unverified", "config.json"), JSON.stringify({ name: "unverified", prefix: "unv", run: { url: remote.url }, credential, health: { intervalMs: 500 } }));
  d = await startPortsDaemon(tmp.dir, portsDir, {
    ready: async (x) => (JSON.parse((await x.mcpd(["status", "--json"])).stdout || "null") as DaemonStatus | null)?.services.find((s) => s.name === "hosted")?.state === "healthy",
  });
}, 60_000);

afterAll(async () => {
  await d?.stop();
  remote?.stop();
  tmp?.cleanup();
}, 20_000);

test("two users of a remote HTTPS server each reach it with their own header and nothing of mcpd's; its certificate is checked against the named CA", async () => {
  const seen: Record<string, unknown> = {};
  for (const user of ["alice", "bob"]) {
    const added = await mcpd(["user", "add", "--service", "hosted", "--user", user, "--key-stdin", "--json"], `token-of-${user}-123`);
    expect(added.code).toBe(0);
    const url = JSON.parse(added.stdout).url as string;
    expect(url).toMatch(/\/hosted\/mcp$/);
    const client = new Client({ name: "remote-test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["whoami"]);
    const r = (await client.callTool({ name: "whoami", arguments: {} })).content as Array<{ text: string }>;
    seen[user] = JSON.parse(r[0]!.text);
    await client.close();
  }
  expect(seen).toEqual({ alice: { authorization: "Bearer [redacted]", mcpd: [] }, bob: { authorization: "Bearer [redacted]", mcpd: [] } });
  // What arrived at the server itself: each user's own token, and no token of mcpd's on any request (probes included).
  const auths = new Set(remote.seen.map((h) => h.authorization).filter(Boolean));
  expect(auths).toEqual(new Set(["Bearer token-of-alice-123", "Bearer token-of-bob-123"]));
  expect(remote.seen.some((h) => Object.keys(h).some((k) => k.startsWith("x-mcpd-")))).toBe(false);
  const hosted = (await status())!.services.find((s) => s.name === "hosted")!;
  expect(hosted).toMatchObject({ state: "healthy", pid: null, port: 0 });
});

test("a remote server whose certificate does not verify is unhealthy in status, and a call gets a 502 saying so, with no key sent", async () => {
  await waitFor(async () => (await status())?.services.find((s) => s.name === "unverified")?.state === "unhealthy", { timeoutMs: 20_000, what: "unverified to be unhealthy" });
  const s = (await status())!.services.find((x) => x.name === "unverified")!;
  expect(s.lastError).toMatch(/certificate|CERT|self.signed|UNABLE/i);
  const added = await mcpd(["user", "add", "--service", "unverified", "--user", "carol", "--key-stdin", "--json"], "token-of-carol-123");
  const before = remote.seen.length;
  const res = await fetch(JSON.parse(added.stdout).url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });
  expect(res.status).toBe(502);
  const body = (await res.json()) as { error: { message: string; data: { code: string } } };
  expect(body.error.data.code).toBe("remote-unreachable");
  expect(body.error.message).toContain("could not be reached");
  // The TLS handshake failed before any request: the server saw none from this call.
  expect(remote.seen.slice(before).some((h) => h.authorization === "Bearer token-of-carol-123")).toBe(false);
});
