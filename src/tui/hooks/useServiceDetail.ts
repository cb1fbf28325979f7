import type { ControlClient, StateChange } from "../../control/types.ts";
import { usePolled } from "./usePolled.ts";

/** The detail pane refreshes its history and log this often while open. */
export const DETAIL_REFRESH_MS = 2_000;
/** Log lines fetched for the detail pane (it shows the last few that fit). */
export const DETAIL_LOG_LINES = 50;

export interface ServiceDetail {
  changes: StateChange[] | null;
  log: string[] | null;
  error: string | null;
}

/** Recent state changes and the last log lines of `service`, while it is non-null (the pane is open). */
export function useServiceDetail(client: ControlClient, service: string | null): ServiceDetail {
  const changes = usePolled(service, () => client.recentChanges(service!), DETAIL_REFRESH_MS);
  const log = usePolled(service, () => client.logTail(service!, DETAIL_LOG_LINES), DETAIL_REFRESH_MS);
  return { changes: changes.data, log: log.data, error: changes.error ?? log.error };
}
