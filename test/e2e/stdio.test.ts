// The shipped stdio example (mcp-ports/envkey) through a real `mcpd start`: users are
// onboarded with the CLI, each reaches a child started with their own key, status lists
// the children, and `mcpd key rotate` on a running daemon does not cut anyone off.
import { afterEach, expect, test } from "bun:test";
import { cpSync, mkdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { connectControl } from "../../src/control/client.ts";
import type { DaemonStatus } from "../../src/control/types.ts";
import { MCPD_FROM_SOURCE, runCli } from "../helpers/cli.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { tempDir } from "../helpers/tmp.ts";
import { isAlive } from "../helpers/process.ts";

const ENVKEY_DIR = join(import.meta.dir, "../../mcp-ports/envkey");
const fp = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 16);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function daemonWithEnvkey() {
  const tmp = tempDir("mcpd-e2e-stdio");
  const dataDir = join(tmp.dir, "data");
  const portsDir = join(tmp.dir, "ports");
  mkdirSync(portsDir, { recursive: true });
  cpSync(ENVKEY_DIR, join(portsDir, "envkey"), { recursive: true });
  const proxyPort = await freePort();
  // No MCPD_MASTER_KEY (the preload removes it): the key file in data/ is what `key rotate` replaces.
  const env = { MCPD_DATA: dataDir, MCPD_PORTS: portsDir, MCPD_PORT: String(proxyPort) };
  const add = async (user: string, key: string) => {
    const r = await runCli(["user", "add", "--service", "envkey", "--user", user, "--key-stdin", "--json"], { env, stdin: key });
    // Added before the daemon starts: the one stderr line says nothing listens there yet.
    expect(r.stderr).toStartWith("mcpd: note: nothing listens on");
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as { url: string; ref: string };
  };
  const alice = await add("alice", "key-of-alice");
  const bob = await add("bob", "key-of-bob");

  const proc: Subprocess = Bun.spawn([...MCPD_FROM_SOURCE, "start", "--port", String(proxyPort), "--allow-origin", "https://app.example"], {
    env: { ...process.env, ...env } as Record<string, string>,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  const control = connectControl(join(dataDir, "mcpd.sock"));
  cleanups.push(async () => {
    proc.kill("SIGTERM");
    await Promise.race([proc.exited, Bun.sleep(8_000)]);
    proc.kill("SIGKILL");
    tmp.cleanup();
  });
  await waitFor(async () => (await control.status()).services.length === 1, { timeoutMs: 20_000, what: "the daemon to answer" });
  return { env, alice, bob, control, proc };
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: "e2e-stdio", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  cleanups.push(() => client.close().catch(() => {}));
  return client;
}

const whoami = async (c: Client) => (await c.callTool({ name: "whoami", arguments: {} })).structuredContent as { fingerprint: string; pid: number };

test("each user's stdio child runs with their own key; status --json lists the children; a stopped daemon leaves none", async () => {
  const d = await daemonWithEnvkey();
  const before = (await d.control.status()).services[0]!;
  expect(before).toMatchObject({ name: "envkey", transport: "stdio", state: "idle", users: 2, children: { live: 0, rssBytes: 0, processes: [] } });

  const [a, b] = await Promise.all([connect(d.alice.url), connect(d.bob.url)]);
  const [wa, wb] = await Promise.all([whoami(a), whoami(b)]);
  expect(wa.fingerprint).toBe(fp("key-of-alice"));
  expect(wb.fingerprint).toBe(fp("key-of-bob"));
  expect(wa.pid).not.toBe(wb.pid);

  const r = await runCli(["status", "--json"], { env: d.env });
  expect(r.code).toBe(0);
  const envkey = (JSON.parse(r.stdout) as DaemonStatus).services[0]!;
  expect(envkey.state).toBe("healthy");
  expect(envkey.children!.live).toBe(2);
  expect(envkey.children!.rssBytes).toBeGreaterThan(0);
  expect(envkey.children!.processes.map((p) => [p.instance, p.pid]).sort()).toEqual(
    [
      [d.alice.ref, wa.pid],
      [d.bob.ref, wb.pid],
    ].sort(),
  );

  // Browser origins: only the one given with --allow-origin gets through.
  const init = (origin: string) => ({
    method: "POST",
    headers: { origin, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
  });
  expect((await fetch(d.alice.url, init("https://evil.example"))).status).toBe(403);
  expect((await fetch(d.alice.url, init("https://app.example"))).status).not.toBe(403);

  // SIGTERM to mcpd stops the per-user children too.
  d.proc.kill("SIGTERM");
  expect(await d.proc.exited).toBe(0);
  await waitFor(() => [wa.pid, wb.pid].every((pid) => !isAlive(pid)), { timeoutMs: 5_000, what: "the stdio children to exit" });
}, 60_000);

test("mcpd key rotate on a running daemon: the next session still opens the user's key", async () => {
  const d = await daemonWithEnvkey();
  expect((await whoami(await connect(d.alice.url))).fingerprint).toBe(fp("key-of-alice"));

  const rotated = await runCli(["key", "rotate"], { env: d.env });
  expect(rotated.code).toBe(0);

  // bob's child starts only now, so his key is opened after the rotation, under the new master key.
  expect((await whoami(await connect(d.bob.url))).fingerprint).toBe(fp("key-of-bob"));
}, 60_000);

