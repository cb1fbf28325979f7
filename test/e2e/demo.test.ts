// The whole path a self-hoster uses, with the compiled executable: `mcpd user add` for
// the shipped demo service, `mcpd start`, and the official SDK client on instance URLs.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { freePort, waitFor } from "../helpers/net.ts";
import { tempDir } from "../helpers/tmp.ts";

const ROOT = join(import.meta.dir, "../..");
const fp = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 16);

let tmp: ReturnType<typeof tempDir>;
let bin: string;
let daemon: Subprocess;
let base: string;
let demoPort: number;
let env: Record<string, string>;
const users: Array<{ user: string; key: string; url: string; ref: string }> = [];
const clients: Client[] = [];

async function mcpd(args: string[], stdin?: string) {
  const proc = Bun.spawn([bin, ...args], { env, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

async function status() {
  const r = await mcpd(["status", "--json"]);
  return JSON.parse(r.stdout) as { services: Array<{ name: string; state: string; pid: number | null; metrics: { requests: number } }> };
}

beforeAll(async () => {
  tmp = tempDir("mcpd-e2e-demo");
  bin = join(tmp.dir, "mcpd");
  const build = Bun.spawn([process.execPath, "build", "--compile", "--minify-syntax", "--bytecode", "--format=esm", join(ROOT, "src/cli/main.ts"), "--outfile", bin], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if ((await build.exited) !== 0) throw new Error(`bun build --compile failed: ${await new Response(build.stderr).text()}`);

  const portsDir = join(tmp.dir, "ports");
  cpSync(join(ROOT, "mcp-ports/demo"), join(portsDir, "demo"), { recursive: true });
  // The shipped port may be taken on a developer's machine by their own mcpd.
  demoPort = await freePort();
  const configFile = join(portsDir, "demo", "config.json");
  writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, "utf8")), port: demoPort, health: { path: "/health", intervalMs: 500, timeoutMs: 2000 } }));
  const proxyPort = await freePort();
  env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MCPD_"))) as Record<string, string>;
  Object.assign(env, { MCPD_DATA: join(tmp.dir, "data"), MCPD_PORTS: portsDir, MCPD_PORT: String(proxyPort) });

  // Fifty users, each onboarded as a person would: key on stdin, URL printed once.
  for (let i = 0; i < 50; i++) {
    const user = `user${String(i).padStart(2, "0")}`;
    const key = `demo-key-of-${user}`;
    const r = await mcpd(["user", "add", "--service", "demo", "--user", user, "--key-stdin", "--json"], key);
    if (r.code !== 0) throw new Error(`user add failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { url: string; ref: string };
    users.push({ user, key, url: out.url, ref: out.ref });
  }

  daemon = Bun.spawn([bin, "start"], { env, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  base = `http://127.0.0.1:${proxyPort}`;
  await waitFor(async () => (await status()).services[0]?.state === "healthy", { timeoutMs: 30_000, what: "demo to be healthy" });
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  daemon?.kill("SIGTERM");
  await Promise.race([daemon?.exited, Bun.sleep(8_000)]);
  daemon?.kill("SIGKILL");
  tmp?.cleanup();
});

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: "e2e-demo", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  clients.push(client);
  return client;
}

const whoami = async (c: Client) => JSON.parse(((await c.callTool({ name: "whoami", arguments: {} })) as { content: Array<{ text: string }> }).content[0]!.text);

test("fifty users call whoami concurrently, thousands of calls: every answer carries its own user's key", async () => {
  const sessions = await Promise.all(users.map((u) => connect(u.url)));
  const calls = Array.from({ length: 2_000 }, (_, i) => i % users.length);
  const answers = await Promise.all(calls.map((n) => whoami(sessions[n]!)));
  answers.forEach((a, i) => {
    const u = users[calls[i]!]!;
    expect(a).toEqual({ user: u.user, instance: u.ref, keyFingerprint: fp(u.key) });
  });
  expect((await status()).services[0]!.metrics.requests).toBeGreaterThanOrEqual(2_000);
}, 120_000);

test("slow_count's events arrive one by one, before the tool's answer", async () => {
  const c = await connect(users[0]!.url);
  const seen: number[] = [];
  c.setNotificationHandler(LoggingMessageNotificationSchema, () => void seen.push(Date.now()));
  const result = await c.callTool({ name: "slow_count", arguments: { n: 4, delayMs: 300 } });
  const done = Date.now();
  expect((result as { content: Array<{ text: string }> }).content[0]!.text).toBe("counted to 4");
  expect(seen).toHaveLength(4);
  // Buffered events would land together at the end; streamed ones are a delay apart.
  for (let i = 1; i < seen.length; i++) expect(seen[i]! - seen[i - 1]!).toBeGreaterThan(150);
  expect(done - seen[0]!).toBeGreaterThan(600);
}, 30_000);

test("a session id taken from another user's instance gets 404", async () => {
  const victim = users[1]!;
  const t = new StreamableHTTPClientTransport(new URL(victim.url));
  const c = new Client({ name: "victim", version: "1" });
  await c.connect(t);
  clients.push(c);
  const stolen = t.sessionId!;
  const r = await fetch(users[2]!.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-session-id": stolen, "mcp-protocol-version": "2025-06-18" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "whoami", arguments: {} } }),
  });
  expect(r.status).toBe(404);
});

test("the demo port itself refuses a caller without mcpd's internal token", async () => {
  const r = await fetch(`http://127.0.0.1:${demoPort}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "x-demo-key": "anything" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "x", version: "1" } } }),
  });
  expect(r.status).toBe(401);
});

test("an unknown instance gets 404; a removed user's URL gets 403 on the next request", async () => {
  const unknown = await fetch(`${base}/demo_nobody_${"A".repeat(32)}/demo/mcp`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  expect(unknown.status).toBe(404);

  const gone = users[49]!;
  const c = await connect(gone.url);
  expect((await whoami(c)).user).toBe(gone.user);
  expect((await mcpd(["user", "remove", gone.user])).code).toBe(0);
  const after = await fetch(gone.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }) });
  expect(after.status).toBe(403);
});

test("killing the demo process mid-call gives a clean error; after the supervisor's restart the next call works", async () => {
  const c = await connect(users[3]!.url);
  let ticks = 0;
  c.setNotificationHandler(LoggingMessageNotificationSchema, () => void ticks++);
  const settled = c.callTool({ name: "slow_count", arguments: { n: 50, delayMs: 100 } }).then(
    () => "answered",
    (e: Error) => e.message,
  );
  await waitFor(() => ticks > 0, { what: "the call's first event" });
  const pid = (await status()).services[0]!.pid!;
  process.kill(pid, "SIGKILL");
  expect(await settled).toContain("service demo stopped before answering");
  await waitFor(async () => {
    const s = (await status()).services[0]!;
    return s.state === "healthy" && s.pid !== pid;
  }, { timeoutMs: 20_000, what: "the supervisor to restart demo" });
  const again = await connect(users[3]!.url);
  expect((await whoami(again)).user).toBe(users[3]!.user);
}, 60_000);

test("mcpd restart demo --wait returns once the new process is healthy; a bad --timeout is one line", async () => {
  const pid = (await status()).services[0]!.pid!;
  const r = await mcpd(["restart", "demo", "--wait"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^demo is healthy again \(\d+\.\d s\)\n$/);
  // Healthy when the command returned, not some time after: the status right after it says so.
  const s = (await status()).services[0]!;
  expect(s.state).toBe("healthy");
  expect(s.pid).not.toBe(pid);
  const bad = await mcpd(["restart", "demo", "--wait", "--timeout", "soon"]);
  expect(bad).toMatchObject({ code: 1, stderr: 'mcpd: --timeout must be a number of seconds, not "soon" (see: mcpd restart --help)\n' });
}, 60_000);
