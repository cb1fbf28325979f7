import type { Head } from "./http1.ts";

/**
 * What the front asks of the proxy for a request it could carry itself. The proxy
 * answers null for anything it wants to handle in full (errors, streams it listens on,
 * browsers, stdio services…): the front then passes the request, byte for byte, to the
 * proxy's Bun server.
 */
export interface Lane {
  plan(head: Head, body: Buffer): Exchange | null;
  /** Keep-alive comment period on quiet event streams. */
  keepaliveMs: number;
}

export interface Outcome {
  status: number;
  bytesOut: number;
  event: string | null;
  error: boolean;
}

export interface ProxyAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Changes an answer's body on its way back (the user's secret taken out): bytes in, the
 * bytes to send now out, possibly fewer (held until the next piece says what they are).
 */
export interface BodyTransform {
  push(piece: Uint8Array): Buffer;
  /** what is still held when the body ends */
  flush(): Buffer;
  /** bytes are held: nothing of the proxy's own (a keep-alive comment) may go in between */
  readonly holding: boolean;
  /** changes made so far: none, and the service's own bytes can go out as they came */
  readonly count: number;
}

/** One request the proxy has admitted and rewritten; the front carries it to the service and back. */
export interface Exchange {
  /** the service's port on 127.0.0.1 */
  port: number;
  /** the head the service receives, blank line included */
  head: string;
  /** until the service's response head arrives; 0 = no limit */
  timeoutMs: number;
  /** the answer's body goes through this, and its length is the front's to give; null = passed on byte for byte */
  transform: BodyTransform | null;
  /** The service's response head → the client's, without its blank line. Binds or ends sessions. */
  answer(res: Head): { head: string; sse: boolean };
  /** The proxy's own answer when the service gave none (no answer in time, or the connection broke). */
  failure(kind: "timeout" | "broke-off"): ProxyAnswer;
  /** A last event for a client still waiting on ids when the service broke off an event stream. */
  breakEvent(): Uint8Array | null;
  /** Once, however the exchange ends: its metrics and audit row. */
  end(o: Outcome): void;
}
