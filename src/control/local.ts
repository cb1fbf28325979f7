import type { ControlBackend } from "./server.ts";
import { STATUS_EVERY_MS } from "./server.ts";
import type { ControlClient } from "./types.ts";

/** The same ControlClient, in-process: for `mcpd start --tui`, which has the daemon at hand. */
export function localClient(b: ControlBackend): ControlClient {
  return {
    status: async () => b.status(),
    restart: (service) => b.restart(service),
    stop: async () => b.stop(),
    logTail: async (service, lines) => b.logTail(service, lines),
    recentChanges: async (service) => b.recentChanges(service),
    subscribe(handlers) {
      const off = b.onChange((c) => handlers.onChange(c));
      const tick = () => {
        try {
          handlers.onStatus(b.status());
        } catch (e) {
          handlers.onError(e as Error);
        }
      };
      queueMicrotask(tick);
      const t = setInterval(tick, STATUS_EVERY_MS);
      return () => {
        off();
        clearInterval(t);
      };
    },
  };
}
