// One broken config.json among good ones, as a self-hoster with many folders will have:
// the compiled daemon serves the good ones, lists the broken one with its file and field,
// and `services --check` fails until it is fixed.
import { afterAll, expect, test } from "bun:test";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import type { DaemonStatus } from "../../src/control/types.ts";
import { compiledMcpd } from "../helpers/compiled.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { tempDir } from "../helpers/tmp.ts";

const ROOT = join(import.meta.dir, "../..");
const tmp = tempDir("mcpd-e2e-broken");
let daemon: Subprocess | null = null;
let shared: { bin: string; env: Record<string, string>; portsDir: string } | null = null;
afterAll(async () => {
  daemon?.kill("SIGTERM");
  await daemon?.exited;
  tmp.cleanup();
});

test("a broken config stops only its own service: start serves the rest, status and services name it, --check fails", async () => {
  const bin = await compiledMcpd();
  const portsDir = join(tmp.dir, "ports");
  const demo = JSON.parse(readFileSync(join(ROOT, "mcp-ports/demo/config.json"), "utf8"));
  for (const [name, prefix] of [["alpha", "alp"], ["gamma", "gam"]] as const) {
    cpSync(join(ROOT, "mcp-ports/demo"), join(portsDir, name), { recursive: true });
    writeFileSync(join(portsDir, name, "config.json"), JSON.stringify({ ...demo, name, prefix, port: await freePort() }));
  }
  mkdirSync(join(portsDir, "beta"));
  writeFileSync(join(portsDir, "beta", "config.json"), JSON.stringify({ ...demo, name: "beta", prefix: "BETA", port: await freePort() }));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MCPD_"))) as Record<string, string>;
  Object.assign(env, { MCPD_DATA: join(tmp.dir, "data"), MCPD_PORTS: portsDir, MCPD_PORT: String(await freePort()) });
  const run = async (args: string[], stdin?: string) => {
    const p = Bun.spawn([bin, ...args], { env, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { stdout, stderr, code };
  };
  const betaFile = join(portsDir, "beta", "config.json");
  shared = { bin, env, portsDir };

  const check = await run(["services", "--check"]);
  expect(check.code).toBe(1);
  expect(check.stderr).toBe("mcpd: 1 service config is broken: beta\n");
  expect(check.stdout).toMatch(/\nbeta +- +- +- +invalid +.*beta\/config\.json: prefix: must be 2 to 8 lowercase letters\n/);
  expect((await run(["services"])).code).toBe(0);

  const added = await run(["user", "add", "--service", "alpha", "--user", "alice", "--key-stdin", "--json"], "k");
  expect(added.code).toBe(0);
  const refused = await run(["user", "add", "--service", "beta", "--user", "alice", "--key-stdin"], "k");
  expect(refused).toMatchObject({ code: 1, stderr: `mcpd: ${betaFile}: prefix: must be 2 to 8 lowercase letters\n` });

  daemon = Bun.spawn([bin, "start"], { env, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const status = async () => JSON.parse((await run(["status", "--json"])).stdout) as DaemonStatus;
  await waitFor(async () => (await status()).services.filter((s) => s.state === "healthy").length === 2, { what: "alpha and gamma healthy", timeoutMs: 30_000 });
  const beta = (await status()).services.find((s) => s.name === "beta")!;
  expect(beta).toMatchObject({ state: "invalid", pid: null, lastError: `${betaFile}: prefix: must be 2 to 8 lowercase letters` });
  const url = JSON.parse(added.stdout).url as string;
  const call = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2026-07-28" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "whoami", arguments: {} } }),
  });
  expect(call.status).toBe(200);
}, 90_000);

test("a second daemon on the same mcp-ports, whose every service finds its port taken, says so in one summary line", async () => {
  const { bin, env } = shared!;
  const second = Bun.spawn([bin, "start"], {
    env: { ...env, MCPD_DATA: join(tmp.dir, "data2"), MCPD_PORT: String(await freePort()) },
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  let err = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    const reader = (second.stderr as ReadableStream<Uint8Array>).getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) err += decoder.decode(r.value, { stream: true });
  })();
  try {
    // Each port is checked for about 10 s before its service is given up on (and then every 10 s).
    await waitFor(() => err.includes("none of the"), { what: "the boot summary line", timeoutMs: 45_000 });
    const summary = err.split("\n").filter((l) => l.includes("services started at boot"));
    expect(summary).toEqual([
      "mcpd: none of the 2 services started at boot is running (every port is taken: is another mcpd serving these mcp-ports? give this one its own ports (--ports DIR)); see: mcpd status",
    ]);
  } finally {
    second.kill("SIGTERM");
    await second.exited;
    await reading;
  }
}, 60_000);
