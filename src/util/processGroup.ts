/**
 * Signals a child started with `detached: true`, which leads its own process group: the
 * group gets it, so whatever the command started (npx → node, sh → server) goes too. If the
 * group is already gone the process itself is tried; a child that has exited is no error.
 */
export function signalGroup(pid: number, proc: { kill(sig: NodeJS.Signals): void }, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      proc.kill(sig);
    } catch {
      // already gone
    }
  }
}
