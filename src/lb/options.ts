import type { HostPort } from "./address.ts";

/** What `mcpd lb nginx|haproxy` is asked for. */
export interface BalancerOptions {
  nodes: HostPort[];
  /** where the balancer listens */
  listen: HostPort;
  /** nginx only: a file for a redacted access log; null: access log off */
  accessLog: string | null;
  /** the command line that made it, printed in the header */
  command: string;
}

/** Long enough for a slow tool call and a quiet SSE stream (mcpd sends a keepalive every 15 s). */
export const STREAM_TIMEOUT_SEC = 3600;
