/** An SSE comment this often keeps proxies and idle timers from closing a quiet stream. */
export const SSE_KEEPALIVE_MS = 15_000;
/** A client that stops reading gets its stream closed rather than buffered without end. */
export const SSE_MAX_QUEUED_EVENTS = 1_000;

export const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
} as const;

export interface SseStream {
  readonly body: ReadableStream<Uint8Array>;
  readonly closed: boolean;
  /** false when the stream is closed (client gone, or it stopped reading) */
  send(data: unknown, event?: string): boolean;
  close(): void;
}

/** One server-sent-event stream; `onClose` runs once, whether we or the client ended it. */
export function createSseStream(opts: { onClose?: () => void; keepAliveMs?: number } = {}): SseStream {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let keepAlive: ReturnType<typeof setInterval> | undefined;

  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    opts.onClose?.();
  };
  const write = (text: string): boolean => {
    if (closed) return false;
    if ((controller.desiredSize ?? 0) < -SSE_MAX_QUEUED_EVENTS) {
      // Erroring (not closing) drops what is queued instead of keeping it for a reader
      // that is not coming.
      finish();
      controller.error(new Error("the client stopped reading this stream"));
      return false;
    }
    try {
      controller.enqueue(encoder.encode(text));
      return true;
    } catch {
      finish();
      return false;
    }
  };

  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        // A comment at once, so the status and headers go out now rather than with
        // the first event, which on a quiet GET stream may be minutes away.
        c.enqueue(encoder.encode(": open\n\n"));
      },
      cancel() {
        finish();
      },
    },
    { highWaterMark: 1, size: () => 1 },
  );

  const stream: SseStream = {
    body,
    get closed() {
      return closed;
    },
    send(data, event = "message") {
      const payload = typeof data === "string" ? data : JSON.stringify(data);
      return write(`event: ${event}\ndata: ${payload}\n\n`);
    },
    close() {
      if (closed) return;
      finish();
      try {
        controller.close();
      } catch {
        // already closed by the client
      }
    },
  };
  keepAlive = setInterval(() => write(": keepalive\n\n"), opts.keepAliveMs ?? SSE_KEEPALIVE_MS);
  keepAlive.unref?.();
  return stream;
}
