import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { StateChange } from "../../src/control/types.ts";
import { RotatingLog } from "../../src/supervisor/logs.ts";
import { ServiceRunner } from "../../src/supervisor/runner.ts";
import type { Child, ChildExit } from "../../src/supervisor/spawn.ts";
import { tempDir } from "../helpers/tmp.ts";
import { FakeClock } from "./fakeClock.ts";
import { writeTestPorts } from "./services.ts";

/** A runner over fake children and a fake clock: the restart policy in virtual time. */
function harness() {
  const tmp = tempDir("mcpd-runner");
  const service = writeTestPorts(join(tmp.dir, "ports"), [{ name: "svc", port: 40000, health: { intervalMs: 1_000 } }]).services[0];
  const clock = new FakeClock();
  const children: Array<Child & { exit(e: ChildExit): void }> = [];
  const changes: StateChange[] = [];
  const runner = new ServiceRunner({
    service,
    internalToken: "t",
    env: {},
    log: new RotatingLog(join(tmp.dir, "svc.log")),
    clock,
    random: () => 0.5,
    spawn: () => {
      let exit!: (e: ChildExit) => void;
      const exited = new Promise<ChildExit>((r) => (exit = r));
      const child = { pid: 1000 + children.length, exited, exit, signal: (sig: string) => exit({ code: null, signal: sig }) };
      children.push(child);
      return child;
    },
    probe: async () => ({ ok: true }),
    portProblem: async () => null,
    onChange: (c) => changes.push(c),
  });
  return { runner, clock, children, changes, cleanup: tmp.cleanup };
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
});
