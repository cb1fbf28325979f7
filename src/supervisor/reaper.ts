import { readdirSync, readFileSync } from "node:fs";
import { selfCommand } from "../util/self.ts";

/**
 * Children must not outlive a SIGKILLed mcpd, and a dead process can clean nothing up.
 * So the daemon starts one small reaper (`mcpd __reaper`, in its own session) and tells
 * it over a pipe every process group it starts ("+pgid") and reaps ("-pgid"). When the
 * pipe hits EOF — the daemon is gone, however it went — the reaper SIGTERMs every group
 * still listed, SIGKILLs what is left after REAPER_GRACE_MS, and exits.
 */
export const REAPER_GRACE_MS = 2_000;
/** Backup for the pipe: a reaper whose parent changed has lost its daemon. */
const PARENT_CHECK_MS = 500;

export interface GroupTracker {
  add(pgid: number): void;
  remove(pgid: number): void;
  /** after a clean stop: the reaper finds nothing left and exits */
  close(): void;
  readonly pid: number | null;
}

/** Spawns the reaper for this daemon. */
export function startReaper(argv: string[] = [...selfCommand(), "__reaper"]): GroupTracker {
  const proc = Bun.spawn(argv, { stdin: "pipe", stdout: "ignore", stderr: "inherit", detached: true });
  proc.unref();
  const send = (line: string) => {
    try {
      proc.stdin.write(`${line}\n`);
      proc.stdin.flush();
    } catch {
      // the reaper is gone; the clean stop still stops every child itself
    }
  };
  return {
    pid: proc.pid,
    add: (pgid) => send(`+${pgid}`),
    remove: (pgid) => send(`-${pgid}`),
    close() {
      try {
        proc.stdin.end();
      } catch {
        // already closed
      }
    },
  };
}

/** The reaper process itself (`mcpd __reaper`). */
export async function runReaper(opts: { stdin?: ReadableStream<Uint8Array>; graceMs?: number } = {}): Promise<void> {
  // A terminal's ^C or hangup is for the daemon, which then stops children itself.
  for (const sig of ["SIGINT", "SIGHUP"] as const) process.on(sig, () => {});
  const groups = new Set<number>();
  const parent = process.ppid;
  let parentGone!: () => void;
  const orphaned = new Promise<void>((r) => (parentGone = r));
  const watch = setInterval(() => process.ppid !== parent && parentGone(), PARENT_CHECK_MS);

  const read = (async () => {
    const decoder = new TextDecoder();
    let buf = "";
    const reader = (opts.stdin ?? Bun.stdin.stream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const m = /^([+-])(\d+)$/.exec(buf.slice(0, nl).trim());
        buf = buf.slice(nl + 1);
        if (!m) continue;
        if (m[1] === "+") groups.add(Number(m[2]));
        else groups.delete(Number(m[2]));
      }
    }
  })().catch(() => {});

  await Promise.race([read, orphaned]);
  clearInterval(watch);
  await reapGroups([...groups], opts.graceMs ?? REAPER_GRACE_MS);
}

/**
 * kill(-pgid, 0) also succeeds for zombies, and with the daemon gone nobody may reap
 * them soon; on Linux look for a member that is not a zombie (elsewhere, trust kill).
 */
function groupHasLiving(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return true;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      // fields after "(comm)": state ppid pgrp …
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z") return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

/** SIGTERM each group, then SIGKILL whatever is still there after `graceMs`. */
export async function reapGroups(pgids: number[], graceMs: number): Promise<void> {
  const signal = (pgid: number, sig: NodeJS.Signals | 0) => {
    try {
      process.kill(-pgid, sig);
      return true;
    } catch {
      return false; // no such group any more
    }
  };
  let alive = pgids.filter((g) => signal(g, "SIGTERM"));
  const deadline = Date.now() + graceMs;
  while (alive.length && Date.now() < deadline) {
    await Bun.sleep(50);
    alive = alive.filter((g) => signal(g, 0) && groupHasLiving(g));
  }
  for (const g of alive) signal(g, "SIGKILL");
}
