import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { McpdError } from "../util/errors.ts";

/**
 * One daemon per data dir: the pid file is created exclusively, so two starts racing
 * cannot both win. A pid file whose process is gone (a crash, a SIGKILL) is taken over.
 */
export function claimPidFile(pidFile: string, dataDir: string): { release(): void } {
  mkdirSync(dirname(pidFile), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(pidFile, "wx", 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        release() {
          if (readPid(pidFile) === process.pid) rmSync(pidFile, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const pid = readPid(pidFile);
    if (pid !== null && pid !== process.pid && isAlive(pid)) {
      throw new McpdError("already-running", `mcpd is already running for ${dataDir} (pid ${pid}); stop it first with: mcpd stop --data ${dataDir}`);
    }
    rmSync(pidFile, { force: true }); // stale: its process is gone
  }
  throw new McpdError("already-running", `could not claim ${pidFile}: another mcpd keeps starting on ${dataDir}`);
}

export function readPid(pidFile: string): number | null {
  try {
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** A process that exited but was not yet reaped by its parent (a zombie) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

/** Linux: the state letter after the command name in /proc/<pid>/stat. Elsewhere: unknown, so no. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return false;
  }
}
