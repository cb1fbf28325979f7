import { EventBoundary, KEEPALIVE, KEEPALIVE_MS } from "./sse.ts";

export interface RelayEnd {
  bytes: number;
  /** the service's side failed mid-stream */
  broken: boolean;
  /** the client went away */
  cancelled: boolean;
}

export interface RelayOptions {
  /** Event stream: keep-alive comments while idle, and a final event when the service breaks off. */
  sse: boolean;
  /** keep-alive period for idle event streams (tests shorten it) */
  keepaliveMs?: number;
  /** Rewrites or holds back bytes (the legacy endpoint event); null = nothing to send yet. */
  transform?: (chunk: Uint8Array) => Uint8Array | null;
  /** Whatever the transform still holds when the service's stream ends. */
  flush?: () => Uint8Array | null;
  /** Bytes to send when the service's stream fails at an event boundary (JSON-RPC errors for waiting ids). */
  onBreak?: () => Uint8Array | null;
  /** The client went away: abort the upstream request. */
  onCancel: () => void;
  /** Called once, however the stream ends. */
  onEnd: (e: RelayEnd) => void;
}

/**
 * Passes the service's body on chunk by chunk. Pull-based with no queue of its own: the
 * proxy reads from the service only when the client has taken the last chunk, so a client
 * that never reads makes the service wait, not mcpd buffer. When the client leaves, the
 * upstream body is cancelled explicitly (Bun keeps an aborted fetch's unread body alive
 * otherwise).
 */
export function relay(src: ReadableStream<Uint8Array>, o: RelayOptions): ReadableStream<Uint8Array> {
  const reader = src.getReader();
  const boundary = new EventBoundary();
  let bytes = 0;
  let ended = false;
  let keepalive: ReturnType<typeof setTimeout> | null = null;

  const end = (e: Omit<RelayEnd, "bytes">) => {
    if (ended) return;
    ended = true;
    if (keepalive) clearTimeout(keepalive);
    o.onEnd({ bytes, ...e });
  };

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (!o.sse) return;
        const every = o.keepaliveMs ?? KEEPALIVE_MS;
        const tick = () => {
          // Only between events, and only when the client has read everything sent so far.
          if (!ended && boundary.atBoundary && (controller.desiredSize ?? 0) >= 0) {
            controller.enqueue(KEEPALIVE);
            bytes += KEEPALIVE.byteLength;
          }
          if (!ended) keepalive = setTimeout(tick, every);
        };
        keepalive = setTimeout(tick, every);
      },
      async pull(controller) {
        for (;;) {
          let r: Awaited<ReturnType<typeof reader.read>>;
          try {
            r = await reader.read();
          } catch {
            if (ended) return;
            const last = o.sse && boundary.atBoundary ? o.onBreak?.() : null;
            if (last) (controller.enqueue(last), (bytes += last.byteLength));
            end({ broken: true, cancelled: false });
            // Closing (not erroring) after the final event lets the client read it.
            if (last) controller.close();
            else controller.error(new Error("the service closed the stream before finishing"));
            return;
          }
          if (r.done) {
            const rest = o.flush?.();
            if (rest) (controller.enqueue(rest), (bytes += rest.byteLength));
            end({ broken: false, cancelled: false });
            controller.close();
            return;
          }
          const chunk = o.transform ? o.transform(r.value) : r.value;
          if (!chunk || chunk.byteLength === 0) continue;
          boundary.feed(chunk);
          bytes += chunk.byteLength;
          controller.enqueue(chunk);
          return;
        }
      },
      cancel() {
        end({ broken: false, cancelled: true });
        o.onCancel();
        void reader.cancel().catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}
