import type { Server } from "bun";
import { addCors } from "./cors.ts";
import { finish, type RequestContext } from "./context.ts";
import { streamBreakEvent } from "./errors.ts";
import { markStream, responseHeaders } from "./headers.ts";
import { endsSession, type SessionTable } from "./sessions.ts";
import { EndpointRewriter, isEventStream } from "./sse.ts";
import { readIfQuick } from "./quickBody.ts";
import { relay } from "./stream.ts";
import { EventRewriter, rewriteJson, type MessageRewrite } from "./messageRewrite.ts";
import { redactedEvent, redactWhole, type Redactor } from "../redaction/index.ts";
import type { AuditWriter } from "./audit.ts";
import type { Metrics } from "./metrics.ts";

/**
 * A client connection with nothing in flight closes after this. handle.ts lifts it while
 * the service works on a request (that wait is bounded by upstreamTimeoutMs instead);
 * plain answers put it back, event streams keep it off and rely on keep-alive comments.
 */
export const CLIENT_IDLE_TIMEOUT_SEC = 30;

export interface RespondInput {
  req: Request;
  server: Server<unknown> | null;
  ctx: RequestContext;
  /** the service's (or bridge's) answer */
  res: Response;
  /** aborts the upstream request */
  abort: () => void;
  service: string;
  instanceRef: string;
  /** "/{instanceId}/{service}" as the client sees it */
  publicPrefix: string;
  /** the URL the request was forwarded to */
  upstreamUrl: URL;
  /** the service's MCP endpoint, where its sessions live */
  mcpPath: string;
  /** the Mcp-Session-Id the client presented (already checked) */
  sessionId: string | null;
  origin: string | null;
  sessions: SessionTable;
  sinks: { audit: AuditWriter; metrics: Metrics };
  keepaliveMs?: number;
  /** messages to rewrite on the way back (a tool policy's tools/list), or none */
  rewrite?: MessageRewrite | null;
  /** takes the user's own secret out of the answer, or null when they have none */
  redactor?: Redactor | null;
}

/**
 * Turns the service's answer into the client's: headers cleaned, sessions bound to the
 * instance, streams relayed event by event, and the audit row written when the body ends.
 */
export async function respond(i: RespondInput): Promise<Response> {
  const { req, res, ctx, service, sessions } = i;
  const sse = isEventStream(res.headers);
  const isGetStream = sse && req.method === "GET";

  // Sessions: an answer that opens one binds it to this instance; an answer that ends
  // one (DELETE, or the service no longer knowing it) unbinds it.
  const opened = res.headers.get("mcp-session-id");
  if (opened && res.ok && opened !== i.sessionId) sessions.bind(service, opened, i.instanceRef);
  if (i.sessionId && endsSession(req.method, res.status, i.upstreamUrl.pathname, i.mcpPath)) sessions.forget(service, i.sessionId);

  const redactor = i.redactor ?? null;
  // Bun pipes a body of known length natively; one that may be redacted changes length.
  const lengthKnown = !sse && res.headers.has("content-length") && !redactor;
  const headers = responseHeaders(res.headers, { keepLength: lengthKnown });
  if (i.origin) addCors(headers, i.origin);

  // Bun keeps a per-request timeout on the connection: put the idle limit back for
  // anything but an event stream, or an idle keep-alive connection would never close.
  if (!sse) i.server?.timeout(req, CLIENT_IDLE_TIMEOUT_SEC);

  if (i.rewrite && res.body && !sse) {
    // A JSON answer to rewrite is read whole: it is one message (or batch), and small.
    const rewritten = rewriteJson(new Uint8Array(await res.arrayBuffer()), i.rewrite);
    const whole = redactor ? redactWhole(redactor, rewritten) : rewritten;
    headers.delete("content-length");
    finish(ctx, { status: res.status, bytesOut: whole.byteLength, event: redactedEvent(redactor, null) }, i.sinks);
    return new Response(whole as Uint8Array<ArrayBuffer>, { status: res.status, statusText: res.statusText, headers });
  }

  if (!res.body || lengthKnown) {
    // Fast path for plain JSON answers: Bun pipes the body natively.
    const bytes = Number(res.headers.get("content-length") ?? 0);
    finish(ctx, { status: res.status, bytesOut: bytes }, i.sinks);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  }

  // The answer to a POST that is already complete goes out whole (see quickBody.ts).
  let src: ReadableStream<Uint8Array> = res.body;
  if (!isGetStream) {
    const quick = await readIfQuick(res.body);
    if ("whole" in quick) {
      i.server?.timeout(req, CLIENT_IDLE_TIMEOUT_SEC);
      const rewritten = i.rewrite && sse ? wholeEvents(quick.whole, i.rewrite) : quick.whole;
      const whole = redactor ? redactWhole(redactor, rewritten) : rewritten;
      finish(ctx, { status: res.status, bytesOut: whole.byteLength, event: redactedEvent(redactor, null) }, i.sinks);
      return new Response(whole as Uint8Array<ArrayBuffer>, { status: res.status, statusText: res.statusText, headers });
    }
    src = quick.stream;
  }

  // A quiet stream must outlive Bun's idle timeout (still lifted from handle.ts):
  // keep-alive comments and the client's own disconnect end it instead.
  if (sse) markStream(headers);
  const streamEnded = i.sessionId && isGetStream ? sessions.streamOpened(service, i.sessionId) : null;
  const legacyIds: string[] = [];
  const rewriter = isGetStream
    ? new EndpointRewriter(i.publicPrefix, i.upstreamUrl, (id) => {
        sessions.bind(service, id, i.instanceRef);
        legacyIds.push(id);
      })
    : null;
  const events = i.rewrite && sse && !rewriter ? new EventRewriter(i.rewrite) : null;
  const transformer = chain(rewriter ?? events, redactor);
  const headersAt = performance.now();
  const body = relay(src, {
    sse,
    keepaliveMs: i.keepaliveMs,
    transform: transformer ? (c) => transformer.push(c) : undefined,
    flush: transformer ? () => transformer.flush() : undefined,
    onBreak: () => streamBreakEvent(service, ctx.rpc),
    onCancel: i.abort,
    onEnd: (e) => {
      streamEnded?.();
      // A legacy session lives exactly as long as its stream.
      for (const id of legacyIds) sessions.forget(service, id);
      const event = redactedEvent(redactor, e.cancelled ? "client-gone" : e.broken ? "service-broke-off" : null);
      // A GET stream's latency is its time to answer, not how long the client listened.
      if (isGetStream) ctx.t0 += performance.now() - headersAt;
      finish(ctx, { status: res.status, bytesOut: e.bytes, event, error: e.broken || res.status >= 500 }, i.sinks);
    },
  });
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}

/** A whole event stream, rewritten event by event. */
function wholeEvents(bytes: Uint8Array, fn: MessageRewrite): Uint8Array {
  const r = new EventRewriter(fn);
  const a = r.push(bytes) ?? new Uint8Array(0);
  const b = r.flush();
  return b ? Buffer.concat([a, b]) : a;
}

interface Transform {
  push(chunk: Uint8Array): Uint8Array | null;
  flush(): Uint8Array | null;
}

/** The rewrite (if any) first, then the redactor: a secret is looked for in what the client gets. */
function chain(first: Transform | null, redactor: Redactor | null): Transform | null {
  if (!redactor) return first;
  const some = (b: Buffer) => (b.byteLength ? b : null);
  return {
    push: (c) => {
      const a = first ? first.push(c) : c;
      return a ? some(redactor.push(a)) : null;
    },
    flush: () => {
      const a = first?.flush();
      const b = a ? redactor.push(a) : Buffer.alloc(0);
      return some(Buffer.concat([b, redactor.flush()]));
    },
  };
}
