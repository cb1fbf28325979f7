// Reading what a process costs straight from /proc (Linux only): CPU ticks, RSS, PSS,
// the process tree, and the environment a child was started with.
import { readFileSync, readdirSync } from "node:fs";

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat. 100 on every Linux we target. */
const CLOCK_TICKS_PER_SEC = 100;

function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parens: split after the last ")".
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** utime + stime of one process, in ms (10 ms resolution; use deltas over seconds). */
export function cpuMs(pid: number): number {
  const f = statFields(pid);
  if (!f) return 0;
  // After the ")" field 3 (state) is index 0, so utime (14) is 11 and stime (15) is 12.
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS_PER_SEC;
}

export const cpuMsOf = (pids: number[]) => pids.reduce((sum, p) => sum + cpuMs(p), 0);

function statusKb(pid: number, field: string): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export const rssKb = (pid: number) => statusKb(pid, "VmRSS");

/** Proportional set size: shared pages (one binary's text in 373 children) counted once in all. */
export function pssKb(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Start time in clock ticks since boot: with the pid, it names one process even after pid reuse. */
export function startTimeOf(pid: number): number | null {
  const f = statFields(pid);
  return f ? Number(f[19]) : null;
}

export function parentOf(pid: number): number | null {
  const f = statFields(pid);
  return f ? Number(f[1]) : null;
}

/** Every live descendant of `root` (children, their children, …), found by ppid. */
export function descendants(root: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const ppid = parentOf(pid);
    if (ppid === null) continue;
    const list = byParent.get(ppid);
    if (list) list.push(pid);
    else byParent.set(ppid, [pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    for (const c of byParent.get(queue.shift()!) ?? []) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** The environment a process was started with (we run as its owner or root). */
export function environOf(pid: number): Record<string, string> {
  const env: Record<string, string> = {};
  try {
    for (const kv of readFileSync(`/proc/${pid}/environ`, "utf8").split("\0")) {
      const i = kv.indexOf("=");
      if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
    }
  } catch {
    /* gone */
  }
  return env;
}

export function cmdlineOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/** MemAvailable from /proc/meminfo: what can still be had without swapping. */
export function memAvailableKb(): number {
  const m = readFileSync("/proc/meminfo", "utf8").match(/^MemAvailable:\s+(\d+) kB/m);
  return m ? Number(m[1]) : Infinity;
}
