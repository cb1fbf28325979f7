/**
 * Server-Sent Events on the proxy path: recognising a stream, keeping it alive, and the
 * one rewrite a legacy stream needs. Events pass through as the service emits them;
 * nothing here waits for more than the first event of a GET stream.
 */

/** An idle stream gets a comment this often; well under the 60 s most proxies and clients allow. */
export const KEEPALIVE_MS = 15_000;
export const KEEPALIVE = new TextEncoder().encode(": keepalive\n\n");
/** A first event larger than this is not an endpoint event: stop looking and pass it on. */
const ENDPOINT_SCAN_MAX = 64 * 1024;

export const isEventStream = (h: Headers) => (h.get("content-type") ?? "").toLowerCase().startsWith("text/event-stream");

/**
 * Whether the bytes so far end between two events, so that a keep-alive comment (or a
 * final error event) can be inserted without splitting one.
 */
export class EventBoundary {
  private tail = "\n\n";

  feed(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    const n = Math.min(4, chunk.byteLength);
    let add = "";
    for (let i = chunk.byteLength - n; i < chunk.byteLength; i++) add += String.fromCharCode(chunk[i]!);
    this.tail = (this.tail + add).slice(-4);
  }

  get atBoundary(): boolean {
    const t = this.tail;
    return t.endsWith("\n\n") || t.endsWith("\r\n\r\n") || t.endsWith("\r\r");
  }
}

/**
 * Rewrites a legacy HTTP+SSE `endpoint` event so the client's POST URL stays under
 * `/{instanceId}/{service}`: the service says `/messages?sessionId=abc`, the client must
 * be told `/{instanceId}/{service}/messages?sessionId=abc`. Only the first event is
 * looked at (legacy servers send the endpoint first); then bytes pass untouched.
 * `onSession` learns the legacy sessionId so it can be bound to the instance.
 */
export class EndpointRewriter {
  private buffered = "";
  private done = false;
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly publicPrefix: string,
    /** The URL the request was forwarded to: relative endpoints resolve against it. */
    private readonly upstreamUrl: URL,
    private readonly onSession: (sessionId: string) => void,
  ) {}

  push(chunk: Uint8Array): Uint8Array | null {
    if (this.done) return chunk;
    this.buffered += this.decoder.decode(chunk, { stream: true });
    // Comments before the first event (`: open`, sent so headers go out at once) are no
    // event: look past them, or the endpoint would go unseen and its session unbound.
    let from = 0;
    for (;;) {
      const end = /\r\n\r\n|\n\n|\r\r/.exec(this.buffered.slice(from));
      if (!end) {
        if (this.buffered.length <= ENDPOINT_SCAN_MAX) return null;
        return this.release(this.buffered);
      }
      const event = this.buffered.slice(from, from + end.index);
      if (isCommentBlock(event)) {
        from += end.index + end[0].length;
        continue;
      }
      const rest = this.buffered.slice(from + end.index);
      return this.release(this.buffered.slice(0, from) + this.rewrite(event) + rest);
    }
  }

  /** What is still held when the stream ends. */
  flush(): Uint8Array | null {
    return this.done || !this.buffered ? null : this.release(this.buffered);
  }

  private release(text: string): Uint8Array {
    this.done = true;
    this.buffered = "";
    return this.encoder.encode(text);
  }

  private rewrite(event: string): string {
    const lines = event.split(/\r\n|\n|\r/);
    if (!lines.some((l) => /^event:\s?endpoint$/.test(l))) return event;
    return lines
      .map((line) => {
        const m = /^data:\s?(.*)$/.exec(line);
        return m ? `data: ${this.rewriteUrl(m[1]!)}` : line;
      })
      .join("\n");
  }

  private rewriteUrl(value: string): string {
    let u: URL;
    try {
      u = new URL(value, this.upstreamUrl);
    } catch {
      return value;
    }
    const sid = u.searchParams.get("sessionId");
    if (sid) this.onSession(sid);
    // Already under the instance (a bridge that knows its public prefix), or some other host: leave it.
    if (u.origin !== this.upstreamUrl.origin || u.pathname.startsWith(this.publicPrefix + "/")) return value;
    return this.publicPrefix + u.pathname + u.search + u.hash;
  }
}

/** A block of only comment lines (`: …`) dispatches no event. */
const isCommentBlock = (block: string) => block.split(/\r\n|\n|\r/).every((l) => l.startsWith(":"));

/** A JSON-RPC message as one SSE event. */
export function sseMessage(payload: unknown): Uint8Array {
  return new TextEncoder().encode(`event: message\ndata: ${JSON.stringify(payload)}\n\n`);
}
