import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { connectControl } from "../../src/control/client.ts";
import type { DaemonStatus } from "../../src/control/types.ts";
import { openStore, type AuditEntry } from "../../src/store/index.ts";
import { MCPD_FROM_SOURCE, runCli } from "../helpers/cli.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { TEST_MASTER_KEY, tempDir } from "../helpers/tmp.ts";
import { pidsMatching, processAlive, writeTestPorts, type TestServiceSpec } from "../supervisor/services.ts";

let cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.reverse()) await fn();
  cleanups = [];
});

interface Running {
  proc: Subprocess;
  dataDir: string;
  portsDir: string;
  proxyPort: number;
  env: Record<string, string>;
  status(): Promise<DaemonStatus>;
  cli(args: string[]): ReturnType<typeof runCli>;
}

/** A real `mcpd start` on temp dirs, with testservice children; killed (and its children) in afterEach. */
async function startDaemon(specs: TestServiceSpec[], reuse?: Running, args: string[] = [], before?: (dataDir: string) => void): Promise<Running> {
  const tmp = reuse ? { dir: "", cleanup() {} } : tempDir("mcpd-daemon");
  const dataDir = reuse?.dataDir ?? join(tmp.dir, "data");
  const portsDir = reuse?.portsDir ?? join(tmp.dir, "ports");
  if (!reuse) writeTestPorts(portsDir, specs);
  before?.(dataDir);
  const proxyPort = await freePort();
  const env = { ...(process.env as Record<string, string>), MCPD_MASTER_KEY: TEST_MASTER_KEY, MCPD_DATA: dataDir, MCPD_PORTS: portsDir };
  const proc = Bun.spawn([...MCPD_FROM_SOURCE, "start", "--port", String(proxyPort), ...args], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const client = connectControl(join(dataDir, "mcpd.sock"));
  const r: Running = {
    proc,
    dataDir,
    portsDir,
    proxyPort,
    env,
    status: () => client.status(),
    cli: (args) => runCli(args, { env }),
  };
  cleanups.push(async () => {
    const pids = (await client.status().catch(() => null))?.services.map((s) => s.pid).filter((p): p is number => p !== null) ?? [];
    proc.kill("SIGKILL");
    await proc.exited;
    for (const pid of pids) if (processAlive(pid)) process.kill(-pid, "SIGKILL");
    tmp.cleanup();
  });
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`mcpd start exited ${proc.exitCode}: ${await new Response(proc.stderr).text()}`);
      const s = await client.status();
      return s.services.every((x) => x.state !== "starting" && x.state !== "stopped");
    },
    { timeoutMs: 20_000, what: "the daemon to start its services" },
  );
  return r;
}

const childPids = (s: DaemonStatus) => s.services.map((x) => x.pid).filter((p): p is number => p !== null);

describe("mcpd start", () => {
  test("status --json and the table reflect each service; the control socket is 0600", async () => {
    const [a, taken] = [await freePort(), await freePort()];
    const holder = Bun.listen({ hostname: "127.0.0.1", port: taken, socket: { data() {} } });
    cleanups.push(() => holder.stop(true));
    const d = await startDaemon([
      { name: "alpha", port: a },
      { name: "blocked", port: taken },
    ]);
    // A taken port is checked again for about 10 s (a holder at boot is usually passing) before the service fails.
    const waiting = (await d.status()).services.find((x) => x.name === "blocked")!;
    if (waiting.state !== "failed") expect(waiting.lastError).toContain(`port ${taken} is already in use`);
    await waitFor(async () => (await d.status()).services.find((x) => x.name === "blocked")!.state === "failed", { timeoutMs: 20_000, what: "blocked to fail after its port checks" });
    expect(statSync(join(d.dataDir, "mcpd.sock")).mode & 0o777).toBe(0o600);
    const json = await d.cli(["status", "--json"]);
    expect(json.code).toBe(0);
    const s = JSON.parse(json.stdout) as DaemonStatus;
    expect(s.pid).toBe(d.proc.pid);
    expect(s.proxyUrl).toBe(`http://127.0.0.1:${d.proxyPort}`);
    const alpha = s.services.find((x) => x.name === "alpha")!;
    expect(alpha).toMatchObject({ state: "healthy", port: a, restarts: 0, crashLoop: false });
    expect(alpha.pid).toBeGreaterThan(0);
    const blocked = s.services.find((x) => x.name === "blocked")!;
    expect(blocked.state).toBe("failed");
    expect(blocked.lastError).toContain(`port ${taken} is already in use`);
    const table = await d.cli(["status"]);
    expect(table.stdout).toMatch(/SERVICE\s+STATE\s+PID\s+PORT\s+UPTIME\s+RESTARTS\s+USERS\s+REQ\/S\s+ERR\s+P50\s+P99\s+LAST EXIT/);
    expect(table.stdout).toContain("1/2 services healthy, 0 users, 0 instances");
    expect(table.stdout).toMatch(new RegExp(`alpha\\s+healthy\\s+${alpha.pid}\\s+${a}`));
    expect(table.stdout).toMatch(/blocked\s+failed/);
  }, 40_000);

  test("kill -9 of a child shows in status --json as a restart with its reason", async () => {
    const d = await startDaemon([{ name: "alpha", port: await freePort() }]);
    const pid = (await d.status()).services[0].pid!;
    const t0 = performance.now();
    process.kill(pid, "SIGKILL");
    const after = await waitFor(async () => {
      const x = (await d.status()).services[0];
      return x.state === "healthy" && x.pid !== pid && x;
    });
    console.log(`daemon: kill -9 → healthy again in ${(performance.now() - t0).toFixed(0)} ms`);
    expect(after).toMatchObject({ restarts: 1, lastExit: "signal SIGKILL" });
    const changes = await connectControl(join(d.dataDir, "mcpd.sock")).recentChanges("alpha");
    expect(changes.map((c) => c.to)).toContain("backing-off");
  });

  test("SIGTERM stops every child and exits 0", async () => {
    const d = await startDaemon([
      { name: "alpha", port: await freePort(), args: ["--grandchild"] },
      { name: "beta", port: await freePort(), args: ["--ignore-sigterm"] },
    ]);
    const pids = childPids(await d.status());
    expect(pids).toHaveLength(2);
    const t0 = performance.now();
    d.proc.kill("SIGTERM");
    expect(await d.proc.exited).toBe(0);
    console.log(`SIGTERM → mcpd exited in ${(performance.now() - t0).toFixed(0)} ms (one child ignores SIGTERM: 5 s grace)`);
    for (const pid of pids) expect(processAlive(pid)).toBe(false);
    expect(pidsMatching(d.portsDir)).toEqual([]); // grandchildren too, by the ports dir in their argv
    expect(existsSync(join(d.dataDir, "mcpd.pid"))).toBe(false);
    expect(existsSync(join(d.dataDir, "mcpd.sock"))).toBe(false);
  }, 20_000);

  test("SIGKILL of mcpd leaves no child after a few seconds, and the next start gets the ports", async () => {
    const specs = [
      { name: "alpha", port: await freePort(), args: ["--grandchild"] },
      { name: "beta", port: await freePort(), args: ["--ignore-sigterm"] },
    ];
    const d = await startDaemon(specs);
    const pids = childPids(await d.status());
    expect(pidsMatching(`${d.dataDir}\0__reaper`)).toHaveLength(1);
    const t0 = performance.now();
    d.proc.kill("SIGKILL");
    await d.proc.exited;
    await waitFor(() => pids.every((p) => !processAlive(p)) && pidsMatching(d.portsDir).length === 0, { timeoutMs: 8_000, what: "children gone" });
    console.log(`SIGKILL of mcpd → all children gone in ${(performance.now() - t0).toFixed(0)} ms (one ignores SIGTERM: reaper grace 2 s)`);
    await waitFor(() => pidsMatching(`${d.dataDir}\0__reaper`).length === 0, { what: "the reaper to exit" });
    // Same data dir and ports: the ports are free again and the stale pid file is taken over.
    expect(existsSync(join(d.dataDir, "mcpd.pid"))).toBe(true);
    const again = await startDaemon(specs, d);
    expect((await again.status()).services.every((s) => s.state === "healthy")).toBe(true);
  });

  test("a second start on the same data dir is refused with a clear message", async () => {
    const d = await startDaemon([{ name: "alpha", port: await freePort() }]);
    const second = await runCli(["start", "--port", String(await freePort())], { env: d.env });
    expect(second.code).not.toBe(0);
    expect(second.stderr.trim()).toBe(`mcpd: mcpd is already running for ${d.dataDir} (pid ${d.proc.pid}); stop it first with: mcpd stop --data ${d.dataDir}`);
    expect((await d.status()).pid).toBe(d.proc.pid);
  });

  test("restart, logs and stop through the CLI", async () => {
    const d = await startDaemon([{ name: "alpha", port: await freePort() }]);
    const before = (await d.status()).services[0].pid!;
    expect((await d.cli(["restart", "alpha"])).code).toBe(0);
    await waitFor(async () => {
      const x = (await d.status()).services[0];
      return x.state === "healthy" && x.pid !== before;
    });
    const logs = await d.cli(["logs", "alpha", "-n", "200"]);
    expect(logs.stdout).toContain(`testservice pid ${before}`);
    expect(logs.stdout).toContain("[mcpd] healthy → restarting: restart requested");
    expect((await d.cli(["restart", "nope"])).stderr).toContain('no service named "nope"');
    const t0 = performance.now();
    const stop = await d.cli(["stop"]);
    console.log(`mcpd stop (well-behaved child), CLI round trip: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(stop.code).toBe(0);
    expect(d.proc.exitCode).toBe(0);
    const status = await d.cli(["status"]);
    expect(status.code).toBe(1);
    expect(status.stderr.trim()).toBe(`mcpd: mcpd is not running (no control socket at ${join(d.dataDir, "mcpd.sock")})`);
  });
});

test("logs -f prints new output as it is written", async () => {
  const d = await startDaemon([{ name: "alpha", port: await freePort() }]);
  const follow = Bun.spawn([...MCPD_FROM_SOURCE, "logs", "alpha", "-f", "-n", "1"], { env: d.env, stdout: "pipe", stderr: "pipe" });
  cleanups.push(() => follow.kill("SIGKILL"));
  let out = "";
  const reader = follow.stdout.getReader();
  void (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      out += new TextDecoder().decode(value);
    }
  })();
  await waitFor(() => out.length > 0, { what: "the first line" });
  expect(out).not.toContain("restart requested");
  await d.cli(["restart", "alpha"]);
  await waitFor(() => out.includes("[mcpd] healthy → restarting: restart requested"), { what: "the restart in the followed log" });
});

describe("mcpd start --detach", () => {
  test("runs in the background, prints the URL and pid, and mcpd stop ends it", async () => {
    const tmp = tempDir("mcpd-detach");
    const dataDir = join(tmp.dir, "data");
    const portsDir = join(tmp.dir, "ports");
    writeTestPorts(portsDir, [{ name: "alpha", port: await freePort() }]);
    const env = { MCPD_MASTER_KEY: TEST_MASTER_KEY, MCPD_DATA: dataDir, MCPD_PORTS: portsDir };
    const port = await freePort();
    let pid = 0;
    cleanups.push(() => {
      if (pid && processAlive(pid)) process.kill(pid, "SIGKILL");
      tmp.cleanup();
    });
    const r = await runCli(["start", "--detach", "--port", String(port)], { env });
    expect(r.code).toBe(0);
    const m = /^mcpd running at http:\/\/127\.0\.0\.1:(\d+) \(pid (\d+)\)/.exec(r.stdout)!;
    expect(m).not.toBeNull();
    pid = Number(m[2]);
    expect(Number(m[1])).toBe(port);
    expect(readFileSync(join(dataDir, "mcpd.pid"), "utf8").trim()).toBe(String(pid));
    const stop = await runCli(["stop"], { env });
    expect(stop.code).toBe(0);
    expect(processAlive(pid)).toBe(false);
  });
});

describe("audit retention", () => {
  test("mcpd start --audit-days 30 removes older audit rows and keeps the rest", async () => {
    const day = 86_400_000;
    const row = (ts: number, tool: string): AuditEntry => ({ ts, userId: "alice", service: "alpha", instance: "alpha_alice_1", method: "tools/call", tool, status: 200, latencyMs: 1, bytesIn: 1, bytesOut: 1, event: null });
    const d = await startDaemon([{ name: "alpha", port: await freePort() }], undefined, ["--audit-days", "30"], (dataDir) => {
      const store = openStore(join(dataDir, "mcpd.db"));
      store.audit.append([row(Date.now() - 40 * day, "forty-days-ago"), row(Date.now() - 31 * day, "a-month-ago"), row(Date.now() - 29 * day, "within")]);
      store.close();
    });
    await waitFor(
      async () => {
        const rows = JSON.parse((await d.cli(["audit", "--json"])).stdout) as Array<{ tool: string }>;
        return rows.length === 1 && rows[0]!.tool === "within";
      },
      { timeoutMs: 10_000, what: "the rows older than 30 days to go" },
    );
  });
});

describe("mcpd start refusals", () => {
  test("a taken proxy port is one clear line and starts no service", async () => {
    const tmp = tempDir("mcpd-proxyport");
    cleanups.push(tmp.cleanup);
    const portsDir = join(tmp.dir, "ports");
    const servicePort = await freePort();
    writeTestPorts(portsDir, [{ name: "alpha", port: servicePort }]);
    const proxyPort = await freePort();
    const holder = Bun.listen({ hostname: "127.0.0.1", port: proxyPort, socket: { data() {} } });
    cleanups.push(() => holder.stop(true));
    const r = await runCli(["start", "--port", String(proxyPort)], { env: { MCPD_MASTER_KEY: TEST_MASTER_KEY, MCPD_DATA: join(tmp.dir, "data"), MCPD_PORTS: portsDir } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`mcpd: cannot serve the proxy on 127.0.0.1:${proxyPort}: port ${proxyPort} is already in use by `);
    expect(pidsMatching(portsDir)).toEqual([]);
    expect(existsSync(join(tmp.dir, "data", "mcpd.pid"))).toBe(false);
  });
});
