import { afterEach, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import type { StateChange } from "../../src/control/types.ts";
import { createSupervisor, type Supervisor } from "../../src/supervisor/index.ts";
import { spawnChild } from "../../src/supervisor/spawn.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { tempDir } from "../helpers/tmp.ts";
import { processAlive, writeTestPorts, type TestServiceSpec } from "./services.ts";

const TOKEN = "test-internal-token";
let cleanups: Array<() => void | Promise<void>> = [];

afterEach(async () => {
  for (const fn of cleanups.reverse()) await fn();
  cleanups = [];
});

async function supervise(specs: TestServiceSpec[], extra: Partial<Parameters<typeof createSupervisor>[0]> = {}) {
  const tmp = tempDir("mcpd-sup");
  const registry = writeTestPorts(join(tmp.dir, "ports"), specs);
  const changes: StateChange[] = [];
  const sup: Supervisor = createSupervisor({ registry, tokenFor: () => TOKEN, logsDir: join(tmp.dir, "logs"), stopGraceMs: 1_000, ...extra });
  sup.onChange((c) => changes.push(c));
  cleanups.push(async () => {
    await sup.stopAll("test over");
    tmp.cleanup();
  });
  return { sup, changes, logsDir: join(tmp.dir, "logs") };
}

const healthy = (sup: Supervisor, name: string) => sup.state(name) === "healthy";

describe("supervisor", () => {
  test("a boot service starts on its port, gets its env, and is healthy", async () => {
    const port = await freePort();
    process.env.TESTSERVICE_PASSTHROUGH = "from-the-daemon";
    cleanups.push(() => void delete process.env.TESTSERVICE_PASSTHROUGH);
    const { sup, logsDir } = await supervise([{ name: "alpha", port }], { env: { ...process.env, MCPD_MASTER_KEY: "must-not-leak" } });
    sup.startAll();
    await waitFor(() => healthy(sup, "alpha"), { what: "alpha healthy" });
    const info = await (await fetch(`http://127.0.0.1:${port}/info`, { headers: { "x-mcpd-internal": TOKEN } })).json();
    expect(info).toMatchObject({ service: "alpha", hasToken: true, hasMasterKey: false, passthrough: "from-the-daemon" });
    expect(info.argv).toEqual(["--port", String(port)]); // {port} replaced; the token is not on the command line
    expect(sup.snapshot("alpha")).toMatchObject({ state: "healthy", restarts: 0, crashLoop: false, pid: info.pid });
    expect(readFileSync(join(logsDir, "alpha.log"), "utf8")).toContain(`testservice pid ${info.pid}`);
  });

  test("kill -9 of a child is followed by a restart and healthy state within about a second", async () => {
    const port = await freePort();
    const { sup, changes } = await supervise([{ name: "alpha", port }]);
    sup.startAll();
    await waitFor(() => healthy(sup, "alpha"));
    const pid = sup.snapshot("alpha").pid!;
    const t0 = performance.now();
    process.kill(pid, "SIGKILL");
    await waitFor(() => healthy(sup, "alpha") && sup.snapshot("alpha").pid !== pid, { what: "alpha back" });
    const ms = performance.now() - t0;
    console.log(`restart after kill -9: healthy again in ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(1_500);
    const snap = sup.snapshot("alpha");
    expect(snap.restarts).toBe(1);
    expect(snap.lastExit).toBe("signal SIGKILL");
    const seen = changes.map((c) => c.to);
    expect(seen.slice(-3)).toEqual(["backing-off", "starting", "healthy"]);
    expect(changes.find((c) => c.to === "backing-off")!.reason).toMatch(/^signal SIGKILL; retry in \d+ ms$/);
  });

  test("a crash-looping child backs off and is marked crashLoop", async () => {
    const port = await freePort();
    const { sup, changes } = await supervise([{ name: "crashy", port, args: ["--exit", "3"] }], {
      backoff: { initialMs: 20, capMs: 5_000, crashLoopFailures: 4, crashLoopWindowMs: 30_000 },
    });
    sup.startAll();
    await waitFor(() => sup.snapshot("crashy").crashLoop, { what: "crash loop" });
    const snap = sup.snapshot("crashy");
    expect(snap.state).toBe("backing-off");
    expect(snap.lastExit).toBe("exit code 3");
    const last = changes.filter((c) => c.to === "backing-off").at(-1)!;
    expect(last.reason).toMatch(/exit code 3; retry in (\d+) ms; crash loop/);
    expect(Number(/retry in (\d+)/.exec(last.reason)![1])).toBeGreaterThanOrEqual(3_750);
    await expect(sup.acquire("crashy")).rejects.toThrow(/crashy is crash-looping/);
  });

  test("a taken port is checked again, then reported with its holder, and the other services still start", async () => {
    const [takenPort, freeOne] = [await freePort(), await freePort()];
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(takenPort, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => holder.close(() => r())));
    const { sup, changes } = await supervise(
      [
        { name: "blocked", port: takenPort },
        { name: "fine", port: freeOne },
      ],
      { portRetryDelaysMs: [50, 100] },
    );
    sup.startAll();
    await waitFor(() => sup.state("blocked") === "failed" && healthy(sup, "fine"), { what: "blocked failed, fine healthy" });
    const err = sup.snapshot("blocked").lastError!;
    expect(err).toContain(`service blocked: port ${takenPort} is already in use by `);
    // The holder is named where the OS tools can say (both are on the CI image).
    if (Bun.which("ss") || Bun.which("lsof")) expect(err).toContain(`pid ${process.pid}`);
    const blocked = changes.filter((c) => c.service === "blocked");
    // three checks: the first, and one after each of the two waits
    expect(blocked.map((c) => c.to)).toEqual(["starting", "backing-off", "starting", "backing-off", "starting", "failed"]);
    expect(blocked[1]!.reason).toMatch(new RegExp(`^port ${takenPort} is already in use by .+; checking the port again in 50 ms$`));
    expect(blocked[3]!.reason).toEndWith("; checking the port again in 100 ms");
    expect(blocked.at(-1)!.reason).toMatch(new RegExp(`^port ${takenPort} is already in use by .+; still taken after 3 checks over \\d+\\.\\d s; checking again every 10 s$`));
    expect(sup.snapshot("blocked")).toMatchObject({ pid: null, restarts: 0 });
    await expect(sup.acquire("blocked")).rejects.toThrow(/service blocked failed: .*port/);
  });

  test("a port taken for a moment at boot delays its service instead of failing it", async () => {
    const port = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(port, "127.0.0.1", r));
    let held = true;
    const release = () => (held ? new Promise<void>((r) => ((held = false), holder.close(() => r()))) : undefined);
    cleanups.push(release);
    const { sup, changes } = await supervise([{ name: "late", port }], { portRetryDelaysMs: [100, 200, 400, 800, 1_600, 3_200] });
    sup.startAll();
    await waitFor(() => sup.state("late") === "backing-off", { what: "late waiting for its port" });
    expect(sup.snapshot("late").lastError).toContain(`service late: port ${port} is already in use`);
    await release();
    await waitFor(() => healthy(sup, "late"), { what: "late healthy once the port is free" });
    expect(sup.snapshot("late")).toMatchObject({ state: "healthy", restarts: 0 });
    expect(changes.some((c) => c.to === "failed")).toBe(false);
    expect(changes.filter((c) => c.to === "backing-off").every((c) => /already in use.*; checking the port again in \d+ ms$/.test(c.reason))).toBe(true);
  });

  test("no more services start at once than the supervisor has start slots; the rest wait their turn", async () => {
    const specs = await Promise.all(["s1", "s2", "s3", "s4", "s5", "s6"].map(async (name) => ({ name, port: await freePort() })));
    // Real children, counted from their spawn until their service is healthy.
    let starting = 0;
    let most = 0;
    const counted = new Set<string>();
    const { sup, changes } = await supervise(specs, {
      startSlots: 2,
      spawn: (req) => {
        starting += 1;
        most = Math.max(most, starting);
        counted.add(req.service.name);
        return spawnChild(req);
      },
    });
    sup.onChange((c) => {
      if (c.to !== "starting" && counted.delete(c.service)) starting -= 1;
    });
    sup.startAll();
    // Four wait in line at once; their reason says so.
    const queued = changes.filter((c) => c.to === "starting" && c.reason.includes("waiting for a start slot"));
    expect(queued.map((c) => c.service)).toEqual(["s3", "s4", "s5", "s6"]);
    expect(queued[0]!.reason).toBe("mcpd start; waiting for a start slot (all 2 in use, 0 ahead in line)");
    expect(queued[3]!.reason).toBe("mcpd start; waiting for a start slot (all 2 in use, 3 ahead in line)");
    await waitFor(() => specs.every((s) => healthy(sup, s.name)), { what: "all six healthy" });
    expect(most).toBe(2);
    // The first two in line are the first two up: the others had not been spawned yet.
    const healthyOrder = changes.filter((c) => c.to === "healthy").map((c) => c.service);
    expect(healthyOrder.slice(0, 2).sort()).toEqual(["s1", "s2"]);
    for (const s of specs) expect(sup.snapshot(s.name).restarts).toBe(0);
  });

  test("a child that stops answering its probe is restarted", async () => {
    const port = await freePort();
    // The path below needs a first probe that passes before the child turns sick: 300 ms
    // was too close on a busy 2-core box (it failed once in a full run).
    const { sup, changes } = await supervise([{ name: "sick", port, args: ["--sick-after", "1000"] }]);
    sup.startAll();
    // Waited for is the last state the path below names: backing-off follows restarting only once the child has exited.
    await waitFor(() => changes.some((c) => c.to === "backing-off"), { what: "a restart for failed probes, the old child gone" });
    const path = changes.map((c) => c.to);
    expect(path.slice(0, 5)).toEqual(["starting", "healthy", "unhealthy", "restarting", "backing-off"]);
    expect(changes.find((c) => c.to === "unhealthy")!.reason).toBe("health probe failed: GET /health answered 503");
    expect(changes.find((c) => c.to === "restarting")!.reason).toBe("health probe failed 3 times: GET /health answered 503");
    await waitFor(() => sup.snapshot("sick").restarts === 1 && healthy(sup, "sick"), { what: "back healthy after the restart" });
  });

  test("stop ends the whole process group, even a child that ignores SIGTERM", async () => {
    const port = await freePort();
    const { sup, logsDir } = await supervise([{ name: "stubborn", port, args: ["--ignore-sigterm", "--grandchild"] }], { stopGraceMs: 500 });
    sup.startAll();
    await waitFor(() => healthy(sup, "stubborn"));
    const pid = sup.snapshot("stubborn").pid!;
    const grandchild = Number(await waitFor(() => /grandchild (\d+)/.exec(readFileSync(join(logsDir, "stubborn.log"), "utf8"))?.[1], { what: "the grandchild's pid in the log" }));
    const t0 = performance.now();
    await sup.stopAll("test");
    console.log(`stop of a SIGTERM-ignoring child: ${(performance.now() - t0).toFixed(0)} ms (grace 500 ms)`);
    expect(processAlive(pid)).toBe(false);
    await waitFor(() => !processAlive(grandchild), { what: "grandchild gone" });
    expect(sup.state("stubborn")).toBe("stopped");
  });

  test("an on-demand service starts on acquire and stops when idle", async () => {
    const port = await freePort();
    const { sup, changes } = await supervise([{ name: "lazy", port, start: "on-demand", idleStopMs: 1_000 }]);
    sup.startAll();
    expect(sup.state("lazy")).toBe("idle");
    const t0 = performance.now();
    expect(await sup.acquire("lazy")).toEqual({ port });
    console.log(`on-demand cold start: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(sup.state("lazy")).toBe("healthy");
    const pid = sup.snapshot("lazy").pid!;
    await waitFor(() => sup.state("lazy") === "idle", { what: "idle stop", timeoutMs: 5_000 });
    expect(processAlive(pid)).toBe(false);
    expect(changes.at(-1)!.reason).toMatch(/^no requests for \d+ s/);
    expect(await sup.acquire("lazy")).toEqual({ port }); // and comes back
  });

  test("restart replaces the process and counts it", async () => {
    const port = await freePort();
    const { sup } = await supervise([{ name: "alpha", port }]);
    sup.startAll();
    await waitFor(() => healthy(sup, "alpha"));
    const pid = sup.snapshot("alpha").pid!;
    await sup.restart("alpha");
    await waitFor(() => healthy(sup, "alpha"));
    expect(sup.snapshot("alpha").pid).not.toBe(pid);
    expect(sup.snapshot("alpha").restarts).toBe(1);
    expect(processAlive(pid)).toBe(false);
    expect(() => sup.state("nope")).toThrow(/no service named "nope"/);
  });
});
