import { afterEach, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { connectControl } from "../../src/control/client.ts";
import { demoConfig, writePorts } from "../accounts/world.ts";
import { MCPD_FROM_SOURCE, runCli } from "../helpers/cli.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { TEST_MASTER_KEY, tempDir } from "../helpers/tmp.ts";

let cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.reverse()) await fn();
  cleanups = [];
});

async function setup() {
  const tmp = tempDir("mcpd-url");
  cleanups.push(tmp.cleanup);
  const dataDir = join(tmp.dir, "data");
  const portsDir = join(tmp.dir, "ports");
  writePorts(portsDir, [{ ...demoConfig, port: await freePort() }]);
  const env = { MCPD_MASTER_KEY: TEST_MASTER_KEY, MCPD_DATA: dataDir, MCPD_PORTS: portsDir, MCPD_HOST: undefined, MCPD_PORT: undefined, MCPD_PUBLIC_URL: undefined };
  const mcpd = (args: string[], stdin?: string) => runCli(args, { env, stdin });
  /** `mcpd start ARGS` until its proxy answers; returns a stop that waits for it to exit. */
  async function start(args: string[]): Promise<() => Promise<void>> {
    const proc: Subprocess = Bun.spawn([...MCPD_FROM_SOURCE, "start", ...args], { env: { ...process.env, ...env } as unknown as Record<string, string>, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    const stop = async () => {
      proc.kill("SIGTERM");
      await proc.exited;
    };
    cleanups.push(stop);
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`mcpd start exited: ${await new Response(proc.stderr as ReadableStream).text()}`);
      return (await connectControl(join(dataDir, "mcpd.sock")).status()).pid === proc.pid;
    }, { timeoutMs: 30_000, what: "mcpd start" });
    return stop;
  }
  const add = async (user: string) => {
    const r = await mcpd(["user", "add", "--service", "demo", "--user", user, "--key-stdin", "--json"], `${user}-key\n`);
    expect(r.code).toBe(0);
    return { ...(JSON.parse(r.stdout) as { url: string; instanceId: string; ref: string }), stderr: r.stderr };
  };
  return { dataDir, mcpd, start, add };
}

test("printed URLs: the configured address with a note when nothing runs, the daemon's real address, then --public-url (kept in the data dir)", async () => {
  const { dataDir, mcpd, start, add } = await setup();

  const before = await add("alice");
  expect(before.url).toBe(`http://127.0.0.1:8080/${before.instanceId}/demo/mcp`);
  expect(before.stderr).toBe("mcpd: note: nothing listens on http://127.0.0.1:8080 yet (no mcpd running on this data dir): the URL works once mcpd start serves there\n");

  const port = await freePort();
  let stop = await start(["--port", String(port)]);
  const running = await add("bob");
  expect(running.url).toBe(`http://127.0.0.1:${port}/${running.instanceId}/demo/mcp`);
  expect(running.stderr).toBe("");
  // The printed URL works: the daemon answers on it (an initialize through the proxy).
  const init = await fetch(running.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } }),
  });
  expect(init.status).toBe(200);
  await init.body?.cancel();
  const rotated = await mcpd(["instance", "rotate", running.ref, "--json"]);
  expect(JSON.parse(rotated.stdout).url).toStartWith(`http://127.0.0.1:${port}/demo_bob_`);
  await stop();

  stop = await start(["--port", String(await freePort()), "--public-url", "https://mcp.example.com/"]);
  const pub = await add("carol");
  expect(pub.url).toBe(`https://mcp.example.com/${pub.instanceId}/demo/mcp`);
  expect(statSync(join(dataDir, "public-url")).mode & 0o777).toBe(0o600);
  await stop();
  // Kept: with no daemon running, still the public URL, and no note.
  const after = await add("dave");
  expect(after.url).toBe(`https://mcp.example.com/${after.instanceId}/demo/mcp`);
  expect(after.stderr).toBe("");
  // A public URL must be one a client can use.
  const r = await mcpd(["start", "--public-url", "ftp://x"]);
  expect(r.stderr.trim()).toBe("mcpd: --public-url ftp://x: give an http(s) URL without query, fragment or credentials, like https://mcp.example.com");
}, 120_000);
