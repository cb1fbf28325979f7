import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { StateChange } from "../../src/control/types.ts";
import { RotatingLog } from "../../src/supervisor/logs.ts";
import type { ProbeFn } from "../../src/supervisor/health.ts";
import { ServiceRunner, STARTUP_TIMEOUT_MS } from "../../src/supervisor/runner.ts";
import { StartSlots } from "../../src/supervisor/startSlots.ts";
import type { Child, ChildExit } from "../../src/supervisor/spawn.ts";
import { tempDir } from "../helpers/tmp.ts";
import { FakeClock } from "./fakeClock.ts";
import { writeTestPorts } from "./services.ts";

interface HarnessOptions {
  name?: string;
  clock?: FakeClock;
  slots?: StartSlots;
  probe?: ProbeFn;
}

/** A runner over fake children and a fake clock: the restart policy in virtual time. */
function harness(o: HarnessOptions = {}) {
  const tmp = tempDir("mcpd-runner");
  const name = o.name ?? "svc";
  const service = writeTestPorts(join(tmp.dir, "ports"), [{ name, port: 40000, health: { intervalMs: 1_000 } }]).services[0];
  const clock = o.clock ?? new FakeClock();
  const children: Array<Child & { exit(e: ChildExit): void; output(): void }> = [];
  const changes: StateChange[] = [];
  const runner = new ServiceRunner({
    service,
    internalToken: "t",
    env: {},
    log: new RotatingLog(join(tmp.dir, "svc.log")),
    clock,
    random: () => 0.5,
    spawn: (req) => {
      let exit!: (e: ChildExit) => void;
      const exited = new Promise<ChildExit>((r) => (exit = r));
      const child = { pid: 1000 + children.length, exited, exit, signal: (sig: string) => exit({ code: null, signal: sig }), output: () => req.onOutput?.() };
      children.push(child);
      return child;
    },
    probe: o.probe ?? (async () => ({ ok: true })),
    checkPort: async () => null,
    slots: o.slots,
    onChange: (c) => changes.push(c),
  });
  return { runner, clock, children, changes, cleanup: tmp.cleanup };
}

/** A probe that fails until `answering` is set, noting when (in virtual time) it was called. */
function switchableProbe(clock: FakeClock): { answering: boolean; calls: number[]; probe: ProbeFn } {
  const p: { answering: boolean; calls: number[]; probe: ProbeFn } = {
    answering: false,
    calls: [],
    probe: async () => {
      p.calls.push(clock.now());
      return p.answering ? { ok: true } : { ok: false, reason: "connection refused" };
    },
  };
  return p;
}

describe("service runner in virtual time", () => {
  test("an exit waits out the backoff before the next spawn", async () => {
    const h = harness();
    h.runner.start("boot");
    await h.clock.advance(100);
    expect(h.runner.state).toBe("healthy");
    h.children[0].exit({ code: 1, signal: null });
    await h.clock.advance(0);
    expect(h.runner.state).toBe("backing-off");
    expect(h.changes.at(-1)!.reason).toBe("exit code 1; retry in 150 ms");
    await h.clock.advance(149);
    expect(h.children).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.children).toHaveLength(2);
    await h.clock.advance(100);
    expect(h.runner.snapshot()).toMatchObject({ state: "healthy", restarts: 1, lastExit: "exit code 1" });
    h.cleanup();
  });

  test("five quick exits are a crash loop; 30 s healthy clears it", async () => {
    const h = harness();
    h.runner.start("boot");
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      await h.clock.advance(60);
      h.children.at(-1)!.exit({ code: 2, signal: null });
      await h.clock.advance(0);
      delays.push(Number(/retry in (\d+) ms/.exec(h.changes.at(-1)!.reason)![1]));
      await h.clock.advance(delays.at(-1)!);
    }
    expect(delays).toEqual([150, 300, 600, 1200, 30_000]);
    expect(h.runner.snapshot().crashLoop).toBe(true);
    expect(h.changes.filter((c) => c.reason.includes("crash loop"))).toHaveLength(1);
    await h.clock.advance(100);
    expect(h.runner.state).toBe("healthy");
    await h.clock.advance(31_000);
    expect(h.runner.snapshot().crashLoop).toBe(false);
    h.children.at(-1)!.exit({ code: 2, signal: null });
    await h.clock.advance(0);
    expect(h.changes.at(-1)!.reason).toBe("exit code 2; retry in 150 ms");
    await h.runner.stop("test over");
    h.cleanup();
  });

  test("a starting child is probed 50 ms after its spawn, then ever less often, up to once a second", async () => {
    const clock = new FakeClock();
    const p = switchableProbe(clock);
    const h = harness({ clock, probe: p.probe });
    h.runner.start("boot");
    await clock.advance(5_000);
    expect(p.calls).toEqual([50, 150, 350, 750, 1_550, 2_550, 3_550, 4_550]);
    p.answering = true;
    await clock.advance(1_000);
    expect(h.runner.state).toBe("healthy");
    expect(h.changes.at(-1)!.reason).toBe("answering on port 40000 after 5550 ms");
    await h.runner.stop("test over");
    h.cleanup();
  });

  test("output from a starting child gets it probed at once, not at the next step of the backoff", async () => {
    const clock = new FakeClock();
    const p = switchableProbe(clock);
    const h = harness({ clock, probe: p.probe });
    h.runner.start("boot");
    await clock.advance(60); // the first probe, at 50 ms, failed; the next is due at 150 ms
    p.answering = true;
    h.children[0]!.output(); // "listening on …"
    h.children[0]!.output(); // more lines: still one probe
    await clock.advance(10);
    expect(p.calls).toEqual([50, 70]); // 20 ms after the last probe at the soonest
    expect(h.runner.state).toBe("healthy");
    h.children[0]!.output(); // once healthy, output is just output
    await clock.advance(100);
    expect(p.calls).toEqual([50, 70]);
    await h.runner.stop("test over");
    h.cleanup();
  });

  test("time spent waiting for a start slot does not count against the startup timeout", async () => {
    const clock = new FakeClock();
    const slots = new StartSlots(1);
    const slow = switchableProbe(clock);
    const late = switchableProbe(clock);
    const a = harness({ name: "first", clock, slots, probe: slow.probe });
    const b = harness({ name: "second", clock, slots, probe: late.probe });
    a.runner.start("boot");
    b.runner.start("boot");
    expect(b.changes.at(-1)!.reason).toBe("boot; waiting for a start slot (all 1 in use, 0 ahead in line)");
    await clock.advance(25_000);
    expect(b.children).toHaveLength(0); // still in line
    slow.answering = true;
    await clock.advance(1_000); // first answers: its slot goes to second
    expect(a.runner.state).toBe("healthy");
    expect(b.children).toHaveLength(1);
    const spawnedAt = clock.now();
    // second has been "starting" for more than the startup timeout, but spawned only now
    await clock.advance(STARTUP_TIMEOUT_MS - 2_000);
    expect(b.runner.snapshot()).toMatchObject({ state: "starting", restarts: 0 });
    late.answering = true;
    await clock.advance(1_000);
    expect(b.runner.snapshot()).toMatchObject({ state: "healthy", restarts: 0 });
    expect(b.changes.at(-1)!.reason).toMatch(/^answering on port 40000 after (\d+) ms$/);
    expect(Number(/after (\d+) ms/.exec(b.changes.at(-1)!.reason)![1])).toBeLessThan(STARTUP_TIMEOUT_MS);
    expect(clock.now() - spawnedAt).toBeLessThan(STARTUP_TIMEOUT_MS);
    expect(slots.starting).toBe(0);
    await a.runner.stop("test over");
    await b.runner.stop("test over");
    a.cleanup();
    b.cleanup();
  });

  test("a child that never answers gives its start slot back when the startup timeout restarts it", async () => {
    const clock = new FakeClock();
    const slots = new StartSlots(1);
    const never = switchableProbe(clock);
    const a = harness({ name: "hung", clock, slots, probe: never.probe });
    const b = harness({ name: "next", clock, slots });
    a.runner.start("boot");
    b.runner.start("boot");
    await clock.advance(STARTUP_TIMEOUT_MS + 1_000);
    expect(a.changes.some((c) => c.to === "restarting" && c.reason.startsWith(`not healthy ${STARTUP_TIMEOUT_MS} ms after start`))).toBe(true);
    expect(b.runner.state).toBe("healthy");
    // hung retries after its backoff, at the front of the line; next holds no slot now
    await clock.advance(1_000);
    expect(a.children.length).toBe(2);
    expect(slots.starting).toBe(1);
    await a.runner.stop("test over");
    expect(slots.starting).toBe(0);
    await b.runner.stop("test over");
    a.cleanup();
    b.cleanup();
  });

  test("a retry after a failed start goes to the front of the line", async () => {
    const clock = new FakeClock();
    const slots = new StartSlots(1);
    const slow = switchableProbe(clock);
    const crashy = harness({ name: "crashy", clock, slots });
    const b = harness({ name: "b", clock, slots, probe: slow.probe });
    const c = harness({ name: "c", clock, slots, probe: slow.probe });
    crashy.runner.start("boot");
    b.runner.start("boot");
    c.runner.start("boot");
    await clock.advance(0);
    crashy.children[0]!.exit({ code: 1, signal: null }); // e.g. its port was taken when it bound
    await clock.advance(0);
    expect(b.children).toHaveLength(1); // b got the slot; c still waits
    await clock.advance(150); // crashy's backoff is over: it waits first in line, ahead of c
    expect(crashy.changes.at(-1)!.reason).toBe("retry after exit code 1; waiting for a start slot (all 1 in use, 0 ahead in line)");
    slow.answering = true;
    await clock.advance(200); // b answers at its next probe; the slot goes to crashy, not c
    expect(b.runner.state).toBe("healthy");
    expect(crashy.children).toHaveLength(2);
    expect(c.children).toHaveLength(0);
    await clock.advance(50);
    expect(crashy.runner.state).toBe("healthy");
    expect(c.children).toHaveLength(1);
    for (const h of [crashy, b, c]) await h.runner.stop("test over");
    for (const h of [crashy, b, c]) h.cleanup();
  });

  test("stopping a service that waits for a start slot takes it out of the line", async () => {
    const clock = new FakeClock();
    const slots = new StartSlots(1);
    const never = switchableProbe(clock);
    const a = harness({ name: "holder", clock, slots, probe: never.probe });
    const b = harness({ name: "gone", clock, slots });
    const c = harness({ name: "after", clock, slots });
    a.runner.start("boot");
    b.runner.start("boot");
    c.runner.start("boot");
    expect(slots.waiting).toBe(2);
    await b.runner.stop("not wanted");
    expect(b.runner.state).toBe("stopped");
    expect(slots.waiting).toBe(1);
    await a.runner.stop("test over");
    await clock.advance(100);
    expect(b.children).toHaveLength(0);
    expect(c.runner.state).toBe("healthy");
    await c.runner.stop("test over");
    for (const x of [a, b, c]) x.cleanup();
  });
});
