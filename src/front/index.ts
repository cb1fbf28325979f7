import type { Server } from "bun";
import { ClientConnection, type FrontConfig } from "./connection.ts";

export type { Exchange, Lane, Outcome, ProxyAnswer } from "./lane.ts";

/**
 * The proxy's public listener: HTTP/1.1 on Bun's raw sockets. The common request (a
 * JSON-RPC POST on a known instance) is read, rewritten and carried to the service here,
 * at about a third of the CPU that Bun.serve plus fetch costs; every other request goes
 * byte for byte to the proxy's own Bun server on 127.0.0.1, which handles all of them.
 */
export interface Front {
  readonly port: number;
  /** requests in flight, on either way */
  readonly pendingRequests: number;
  /** Stops listening; `closeActive` also closes every connection, else each closes after its answer. */
  stop(closeActive?: boolean): Promise<void>;
}

export function serveFront(o: { host: string; port: number; fallback: Server<unknown> } & Omit<FrontConfig, "fallbackPort">): Front {
  const cfg: FrontConfig = { lane: o.lane, fallbackPort: o.fallback.port!, idleTimeoutSec: o.idleTimeoutSec, requestDeadlineMs: o.requestDeadlineMs };
  const conns = new Set<ClientConnection>();
  const listener = Bun.listen<ClientConnection>({
    hostname: o.host,
    port: o.port,
    data: undefined as unknown as ClientConnection,
    socket: {
      open(s) {
        s.data = new ClientConnection(s, cfg);
        conns.add(s.data);
      },
      data: (s, d) => s.data.onData(d),
      drain: (s) => s.data.onDrain(),
      // Armed only while nothing is in flight (connection.ts): an idle client is let go.
      timeout: (s) => void s.end(),
      close(s) {
        s.data.onClose();
        conns.delete(s.data);
      },
      error() {},
    },
  });
  return {
    get port() {
      return listener.port;
    },
    get pendingRequests() {
      let n = o.fallback.pendingRequests;
      for (const c of conns) if (c.inFlightHere) n++;
      return n;
    },
    async stop(closeActive = false) {
      listener.stop(closeActive);
      for (const c of conns) c.shutdown();
      await o.fallback.stop(closeActive);
    },
  };
}
