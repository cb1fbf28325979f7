// Every process a bench script starts is registered here, so the script can promise to
// leave nothing behind: on normal exit, on an error, on SIGINT/SIGTERM, and when its own
// time budget runs out.
import type { Subprocess } from "bun";
import { descendants, startTimeOf } from "./procfs.ts";

type Cleanup = () => void | Promise<void>;

const tracked = new Set<Subprocess>();
const cleanups: Cleanup[] = [];
let finishing = false;

/**
 * Descendants seen under each tracked process (pid → start time). A daemon that dies
 * leaves its children re-parented to init, out of reach of a tree walk at stop time; these
 * are killed by name-free identity (pid + start time), so a reused pid is never hit.
 */
const seen = new Map<number, Map<number, number>>();
const WATCH_INTERVAL_MS = 500;
function watch(): void {
  for (const proc of tracked) {
    const known = seen.get(proc.pid) ?? new Map<number, number>();
    for (const pid of descendants(proc.pid)) {
      const start = startTimeOf(pid);
      if (start !== null) known.set(pid, start);
    }
    seen.set(proc.pid, known);
  }
}
let watcher: ReturnType<typeof setInterval> | undefined;

/**
 * Spawns in its own process group (detached), so a stop can reach the whole group even
 * when the program forks (nginx master + workers, npx wrappers).
 */
export function spawnTracked(cmd: string[], opts: { env?: Record<string, string | undefined>; cwd?: string; stdout?: "pipe" | "ignore" | number; stderr?: "pipe" | "ignore" | number; stdin?: "pipe" | "ignore" } = {}): Subprocess<"pipe" | "ignore", "pipe" | "ignore" | number, "pipe" | "ignore" | number> {
  const proc = Bun.spawn(cmd, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env } as Record<string, string>,
    stdin: opts.stdin ?? "ignore",
    stdout: opts.stdout ?? "ignore",
    stderr: opts.stderr ?? "pipe",
    detached: true,
  });
  tracked.add(proc);
  watcher ??= setInterval(watch, WATCH_INTERVAL_MS);
  watcher.unref();
  return proc as never;
}

/** Registers extra teardown (temp dirs, …); run in reverse order after processes stop. */
export function onCleanup(fn: Cleanup): void {
  cleanups.push(fn);
}

const signalGroup = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
};

/**
 * SIGTERM to the process group, then SIGKILL after `graceMs` to the group and to any
 * descendant that moved to a group of its own (mcpd puts each service child in its own).
 */
export async function stopProcess(proc: Subprocess, graceMs = 5_000): Promise<void> {
  const pid = proc.pid;
  watch();
  const family = descendants(pid);
  if (proc.exitCode === null && proc.signalCode === null) {
    signalGroup(pid, "SIGTERM");
    const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
    await proc.exited;
    clearTimeout(timer);
  }
  // Children the daemon should have stopped itself; a straggler is killed, not waited on.
  for (const child of [...family, ...descendants(pid)]) signalGroup(child, "SIGKILL");
  for (const [child, start] of seen.get(pid) ?? []) {
    if (startTimeOf(child) === start) signalGroup(child, "SIGKILL");
  }
  seen.delete(pid);
  tracked.delete(proc);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...tracked].map((p) => stopProcess(p, 3_000)));
  for (const fn of cleanups.reverse().splice(0)) {
    try {
      await fn();
    } catch {
      /* teardown is best effort */
    }
  }
}

/**
 * Runs a bench script's body with teardown guaranteed, and a hard time limit after which
 * everything is stopped and the script exits non-zero (a wedged daemon must not hang CI).
 */
export async function runBench(name: string, limitMs: number, body: () => Promise<void>): Promise<never> {
  const finish = async (code: number) => {
    if (finishing) return;
    finishing = true;
    await stopAll();
    process.exit(code);
  };
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      console.error(`\n${name}: ${sig}, stopping what it started`);
      void finish(130);
    });
  }
  const limit = setTimeout(() => {
    console.error(`${name}: time limit of ${Math.round(limitMs / 1000)} s reached, stopping`);
    void finish(2);
  }, limitMs);
  limit.unref();
  try {
    await body();
    await finish(0);
  } catch (e) {
    console.error(`${name}: ${(e as Error).stack ?? e}`);
    await finish(1);
  }
  throw new Error("unreachable");
}
