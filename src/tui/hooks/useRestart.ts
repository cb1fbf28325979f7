import { useCallback, useState } from "react";
import type { ControlClient } from "../../control/types.ts";

export interface RestartNotice {
  service: string;
  status: "pending" | "done" | "failed";
  message: string;
}

/** Asks the daemon to restart a service and keeps a one-line notice of how it went. */
export function useRestart(client: ControlClient): { notice: RestartNotice | null; restart(service: string): void } {
  const [notice, setNotice] = useState<RestartNotice | null>(null);
  const restart = useCallback(
    (service: string) => {
      setNotice({ service, status: "pending", message: `restarting ${service}…` });
      client.restart(service).then(
        () => setNotice({ service, status: "done", message: `restart of ${service} requested` }),
        (e: unknown) => setNotice({ service, status: "failed", message: `restart of ${service} failed: ${e instanceof Error ? e.message : String(e)}` }),
      );
    },
    [client],
  );
  return { notice, restart };
}
