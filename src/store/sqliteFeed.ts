import { FeedListeners, type ChangeFeed } from "./changeFeed.ts";

/** The backstop's period: a commit whose nudge got lost is seen within this long. */
export const POLL_EVERY_MS = 250;

/**
 * SQLite's change feed. `PRAGMA data_version` moves whenever another connection commits;
 * it is asked on a timer, never on the request path, and only through SQLite itself: its
 * WAL and shared-memory files are never opened, mapped or closed behind its back (a process loses
 * every POSIX lock it holds on a file when it closes any descriptor of it, and SQLite's
 * locks on the shared-memory file are what tell it it is not alone). CLI commands that commit nudge the
 * daemon over the control socket, which calls `changed()`, so a revocation applies on
 * the very next request; the poll catches a nudge that never came (a CLI killed between
 * its commit and the nudge, a daemon busy for the nudge's whole timeout).
 */
export function sqliteFeed(dataVersion: () => number, opts: { everyMs?: number; onError?: (e: unknown) => void } = {}): ChangeFeed {
  const listeners = new FeedListeners();
  const onError = opts.onError ?? ((e) => console.error(`mcpd: a store change listener failed: ${(e as Error).message}`));
  let seen = dataVersion();
  const fire = () => listeners.fire(onError);
  const timer = setInterval(() => {
    let v: number;
    try {
      v = dataVersion();
    } catch {
      return; // busy or closing: the next tick asks again
    }
    if (v !== seen) (seen = v), fire();
  }, opts.everyMs ?? POLL_EVERY_MS);
  timer.unref();
  return {
    onChange: (fn) => listeners.add(fn),
    changed() {
      try {
        seen = dataVersion();
      } catch {
        // the poll will catch up
      }
      fire();
    },
    close: () => clearInterval(timer),
  };
}
