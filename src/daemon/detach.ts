import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import type { Paths } from "../config/paths.ts";
import { connectControl } from "../control/client.ts";
import { tailLog } from "../supervisor/logs.ts";
import { McpdError } from "../util/errors.ts";
import { selfCommand } from "../util/self.ts";

/** How long `mcpd start --detach` waits for the background daemon to answer. */
export const DETACH_READY_TIMEOUT_MS = 30_000;

export const daemonLogOf = (paths: Paths) => join(paths.logsDir, "mcpd.log");

/**
 * Re-runs `mcpd start` (without --detach) in its own session with output to
 * data/logs/mcpd.log, and returns once that daemon's control socket answers with its pid.
 */
export async function startDetached(paths: Paths, startArgs: string[]): Promise<{ pid: number; proxyUrl: string }> {
  mkdirSync(paths.logsDir, { recursive: true, mode: 0o700 });
  const logFile = daemonLogOf(paths);
  const fd = openSync(logFile, "a", 0o600);
  const proc = Bun.spawn([...selfCommand(), "--data", paths.dataDir, "--ports", paths.portsDir, "start", ...startArgs], {
    stdin: "ignore",
    stdout: fd,
    stderr: fd,
    detached: true,
  });
  closeSync(fd);
  proc.unref();
  const client = connectControl(paths.controlSocket);
  const deadline = Date.now() + DETACH_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      const why = tailLog(logFile, 5).filter((l) => l.startsWith("mcpd: ")).pop()?.slice(6) ?? `exited (${proc.exitCode ?? proc.signalCode}); see ${logFile}`;
      throw new McpdError("start-failed", why);
    }
    // Only our own child counts: an older daemon answering on the socket is not a success.
    const status = await client.status().catch(() => null);
    if (status?.pid === proc.pid) return { pid: proc.pid, proxyUrl: status.proxyUrl };
    await Bun.sleep(50);
  }
  throw new McpdError("start-failed", `mcpd did not answer within ${DETACH_READY_TIMEOUT_MS / 1000} s; see ${logFile}`);
}
