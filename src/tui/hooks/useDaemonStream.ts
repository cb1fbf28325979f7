import { useEffect, useState } from "react";
import type { ControlClient, DaemonStatus, StateChange } from "../../control/types.ts";

export interface DaemonStream {
  /** the last full status received; kept (and shown as stale) while disconnected */
  status: DaemonStatus | null;
  connected: boolean;
  /** why the feed is down, while it is */
  error: string | null;
  /** when the next reconnect attempt is due (ms since epoch), while disconnected */
  retryAt: number | null;
  /** consecutive failed attempts */
  attempt: number;
  /** the newest transitions, newest last */
  changes: StateChange[];
  /** when the last status arrived */
  updatedAt: number | null;
}

/** First retry after a quarter second, doubling to this cap: quick when the daemon restarts, quiet when it is gone. */
export const RETRY_BASE_MS = 250;
export const RETRY_CAP_MS = 5_000;
/** How many transitions the stream remembers for the detail pane. */
export const CHANGES_KEPT = 200;

export function retryDelayMs(attempt: number, baseMs = RETRY_BASE_MS, capMs = RETRY_CAP_MS): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

export interface StreamOptions {
  baseMs?: number;
  capMs?: number;
}

const INITIAL: DaemonStream = { status: null, connected: false, error: null, retryAt: null, attempt: 0, changes: [], updatedAt: null };

/**
 * Subscribes to the daemon's live feed and keeps the last status. When the feed
 * fails (daemon not running, or gone away) it records why and subscribes again
 * with backoff, so the view says "not reachable" instead of crashing.
 */
export function useDaemonStream(client: ControlClient, opts: StreamOptions = {}): DaemonStream {
  const [stream, setStream] = useState<DaemonStream>(INITIAL);
  const { baseMs, capMs } = opts;

  useEffect(() => {
    let alive = true;
    let attempt = 0;
    let unsubscribe: (() => void) | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;

    const drop = () => {
      const u = unsubscribe;
      unsubscribe = null;
      try {
        u?.();
      } catch {
        // The connection is already broken; there is nothing left to close.
      }
    };

    const fail = (e: unknown) => {
      if (!alive) return;
      drop();
      attempt += 1;
      const delay = retryDelayMs(attempt, baseMs, capMs);
      const message = e instanceof Error ? e.message : String(e);
      setStream((s) => ({ ...s, connected: false, error: message, attempt, retryAt: Date.now() + delay }));
      if (timer) clearTimeout(timer);
      timer = setTimeout(connect, delay);
    };

    function connect() {
      timer = null;
      if (!alive) return;
      // A handler firing after we moved on to a newer subscription must not touch state.
      let current = true;
      try {
        const u = client.subscribe({
          onStatus(status) {
            if (!alive || !current) return;
            attempt = 0;
            setStream((s) => ({ ...s, status, connected: true, error: null, retryAt: null, attempt: 0, updatedAt: Date.now() }));
          },
          onChange(change) {
            if (!alive || !current) return;
            setStream((s) => ({ ...s, changes: [...s.changes, change].slice(-CHANGES_KEPT) }));
          },
          onError(e) {
            if (!alive || !current) return;
            current = false;
            fail(e);
          },
        });
        if (current) unsubscribe = u;
        else {
          try {
            u();
          } catch {
            // already failed
          }
        }
      } catch (e) {
        current = false;
        fail(e);
      }
    }

    connect();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
      drop();
    };
  }, [client, baseMs, capMs]);

  return stream;
}
