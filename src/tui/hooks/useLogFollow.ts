import type { ControlClient } from "../../control/types.ts";
import { usePolled } from "./usePolled.ts";

/** Following a log re-reads its tail this often: fast enough to feel live, cheap for the daemon. */
export const LOG_FOLLOW_MS = 1_000;

export interface LogFollow {
  lines: string[];
  error: string | null;
}

/** The last `lines` lines of `service`'s log, re-read while `service` is non-null. */
export function useLogFollow(client: ControlClient, service: string | null, lines: number): LogFollow {
  const { data, error } = usePolled(service == null ? null : `${service}:${lines}`, () => client.logTail(service!, lines), LOG_FOLLOW_MS);
  return { lines: data ?? [], error };
}
