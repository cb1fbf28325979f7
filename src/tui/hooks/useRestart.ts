import { useCallback, useEffect, useRef, useState } from "react";
import type { ControlClient } from "../../control/types.ts";

export interface RestartNotice {
  service: string;
  status: "pending" | "done" | "failed";
  message: string;
}

/**
 * How long the outcome of a restart stays on the status line before the line goes back
 * to sort/rows; a failure stays longer, as it needs reading.
 */
export const NOTICE_DONE_MS = 8_000;
export const NOTICE_FAILED_MS = 20_000;

/** Asks the daemon to restart a service and keeps a one-line notice of how it went, for a while. */
export function useRestart(
  client: ControlClient,
  noticeMs: { done: number; failed: number } = { done: NOTICE_DONE_MS, failed: NOTICE_FAILED_MS },
): { notice: RestartNotice | null; restart(service: string): void } {
  const [notice, setNotice] = useState<RestartNotice | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const alive = useRef(true);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
      if (timer.current) clearTimeout(timer.current);
    };
  }, []);

  const show = useCallback((n: RestartNotice, forMs: number | null) => {
    if (!alive.current) return;
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    setNotice(n);
    // Only this notice is cleared: a newer restart replaces the timer along with the notice.
    if (forMs != null) timer.current = setTimeout(() => alive.current && setNotice((cur) => (cur === n ? null : cur)), forMs);
  }, []);

  const restart = useCallback(
    (service: string) => {
      show({ service, status: "pending", message: `restarting ${service}…` }, null);
      client.restart(service).then(
        () => show({ service, status: "done", message: `restart of ${service} requested` }, noticeMs.done),
        (e: unknown) => show({ service, status: "failed", message: `restart of ${service} failed: ${e instanceof Error ? e.message : String(e)}` }, noticeMs.failed),
      );
    },
    [client, show, noticeMs.done, noticeMs.failed],
  );
  return { notice, restart };
}
