// Through the real daemon: `mcpd start` from source with the echo fixture as a command
// service, a user seeded into its store, the official SDK client on the proxy port.
import { afterEach, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { connectControl } from "../../src/control/client.ts";
import { loadKeyring } from "../../src/crypto/masterKey.ts";
import { loadRegistry } from "../../src/registry/load.ts";
import { openStore } from "../../src/store/index.ts";
import { MCPD_FROM_SOURCE } from "../helpers/cli.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { TEST_MASTER_KEY, tempDir } from "../helpers/tmp.ts";
import { addUser, FIXTURE, fingerprint, KEY_HEADER } from "../proxy/harness.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function daemonWithEcho() {
  const tmp = tempDir("mcpd-e2e-proxy");
  const dataDir = join(tmp.dir, "data");
  const portsDir = join(tmp.dir, "ports");
  const servicePort = await freePort();
  mkdirSync(join(portsDir, "echo"), { recursive: true });
  writeFileSync(
    join(portsDir, "echo", "config.json"),
    JSON.stringify({
      name: "echo",
      prefix: "ech",
      port: servicePort,
      run: { command: [process.execPath, FIXTURE, "--port", "{port}"] },
      credential: { label: "echo key", inject: { header: KEY_HEADER, format: "{secret}" }, validate: { local: "non-empty" } },
      health: { path: "/health", intervalMs: 200, timeoutMs: 1000 },
      limits: { requestsPerMinute: 100000, maxBodyBytes: 1048576 },
    }),
  );
  const env = { ...(process.env as Record<string, string>), MCPD_MASTER_KEY: TEST_MASTER_KEY, MCPD_DATA: dataDir, MCPD_PORTS: portsDir };
  // Users first, as `mcpd user add` would have left them.
  const store = openStore(join(dataDir, "mcpd.db"));
  const keyring = await loadKeyring(join(dataDir, "master.key"), { create: false, env });
  const service = loadRegistry(portsDir).get("echo")!;
  const alice = addUser(store, keyring, "alice", service, "key-of-alice");
  const bob = addUser(store, keyring, "bob", service, "key-of-bob");
  store.close();

  const proxyPort = await freePort();
  const proc: Subprocess = Bun.spawn([...MCPD_FROM_SOURCE, "start", "--port", String(proxyPort)], { env, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const control = connectControl(join(dataDir, "mcpd.sock"));
  cleanups.push(async () => {
    const pid = (await control.status().catch(() => null))?.services[0]?.pid;
    proc.kill("SIGTERM");
    await Promise.race([proc.exited, Bun.sleep(8_000)]);
    proc.kill("SIGKILL");
    if (pid) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone with the daemon
      }
    }
    tmp.cleanup();
  });
  await waitFor(async () => (await control.status()).services[0]?.state === "healthy", { timeoutMs: 20_000, what: "echo to be healthy" });
  return { base: `http://127.0.0.1:${proxyPort}`, servicePort, alice, bob, control, dataDir };
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: "e2e", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  cleanups.push(() => client.close().catch(() => {}));
  return client;
}

const whoami = async (c: Client) => JSON.parse(((await c.callTool({ name: "whoami", arguments: {} })) as any).content[0].text);

test("through mcpd start: two users, their own keys; the service port refuses callers without the token", async () => {
  const d = await daemonWithEcho();
  const [a, b] = await Promise.all([connect(`${d.base}/${d.alice.id}/echo/mcp`), connect(`${d.base}/${d.bob.id}/echo/mcp`)]);
  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => whoami(i % 2 ? b : a)));
  answers.forEach((ans, i) =>
    expect(ans).toEqual(i % 2 ? { user: "bob", instance: d.bob.ref, fingerprint: fingerprint("key-of-bob") } : { user: "alice", instance: d.alice.ref, fingerprint: fingerprint("key-of-alice") }),
  );

  const direct = await fetch(`http://127.0.0.1:${d.servicePort}/mcp`, { method: "POST", headers: { "content-type": "application/json", [KEY_HEADER]: "x" }, body: "{}" });
  expect(direct.status).toBe(403);

  // The daemon's status carries the proxy's metrics.
  const m = (await d.control.status()).services[0]!.metrics;
  expect(m.requests).toBeGreaterThanOrEqual(100);
  expect(m.activeSessions).toBe(2);
}, 60_000);

test("through mcpd start: killing the service mid-call gives a clean error, and after the restart a new session works", async () => {
  const d = await daemonWithEcho();
  const a = await connect(`${d.base}/${d.alice.id}/echo/mcp`);
  const pid = (await d.control.status()).services[0]!.pid!;
  let ticks = 0;
  a.setNotificationHandler(LoggingMessageNotificationSchema, () => void ticks++);
  const pending = a.callTool({ name: "count", arguments: { n: 100, gapMs: 50 } });
  const settled = pending.then(
    () => "answered",
    (e: Error) => e.message,
  );
  await waitFor(() => ticks > 0, { what: "the call's first event" });
  process.kill(pid, "SIGKILL");
  expect(await settled).toContain("service echo stopped before answering; try again");

  await waitFor(async () => (await d.control.status()).services[0]!.state === "healthy" && (await d.control.status()).services[0]!.pid !== pid, {
    timeoutMs: 20_000,
    what: "the supervisor to restart echo",
  });
  const again = await connect(`${d.base}/${d.alice.id}/echo/mcp`);
  expect((await whoami(again)).user).toBe("alice");
}, 60_000);
