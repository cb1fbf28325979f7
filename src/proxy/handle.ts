import type { Server } from "bun";
import type { Secret } from "../crypto/secret.ts";
import type { Service } from "../registry/schema.ts";
import type { AuditWriter } from "./audit.ts";
import { readBody } from "./body.ts";
import { finish, type RequestContext } from "./context.ts";
import { preflight } from "./cors.ts";
import { errorResponse, type ProxyErrorInit } from "./errors.ts";
import type { LaneDeps } from "./fastLane.ts";
import { HEALTH_PATH, healthResponse, type Readiness } from "./health.ts";
import { forward, type ForwardInit, type ForwardResult } from "./forward.ts";
import { requestHeaders } from "./headers.ts";
import { admit } from "./admission.ts";
import { redactorOf } from "../redaction/index.ts";
import { remoteUrl, tlsOf } from "../remote/tls.ts";
import { peekRpc, type RpcPeek } from "./jsonrpc.ts";
import type { Metrics } from "./metrics.ts";
import { checkOrigin } from "./origin.ts";
import { CLIENT_IDLE_TIMEOUT_SEC, respond } from "./respond.ts";
import { parseRoute } from "./route.ts";

/** Beyond the gate's own bound: a gate that never settles must not hang a client. */
export const ACQUIRE_TIMEOUT_MS = 15_000;
/** A body sent to a service that does not exist is read up to the default maxBodyBytes. */
const UNKNOWN_SERVICE_MAX_BODY = 1_048_576;
/** Told to clients of a service that is (re)starting. */
const RETRY_AFTER_SEC = "2";

export interface ServiceGate {
  acquire(service: string): Promise<{ port: number }>;
}

/** A stdio service's HTTP front (src/bridge): the proxy resolves and opens the key, the bridge runs the child. */
export interface StdioHandler {
  handle(req: Request, ctx: { instanceRef: string; userId: string; secret: Secret | null; publicPrefix: string }): Promise<Response>;
}

/** What the full path needs beyond what it shares with the front's lane. */
export interface HandlerDeps extends LaneDeps {
  allowedOrigins: readonly string[];
  bridges?: Map<string, StdioHandler>;
  /** what GET /healthz reports */
  readiness(): Readiness;
}

type Sinks = { audit: AuditWriter; metrics: Metrics };

/** Not JSON-RPC known yet (the body is unread), but a JSON POST is answered in JSON-RPC's shape. */
const looksRpc = (req: Request): RpcPeek | null =>
  req.method === "POST" && (req.headers.get("content-type") ?? "").includes("json") ? { method: null, tool: null, ids: [], batch: false, calls: 0, tools: [], listIds: [], partial: false } : null;

/** What the service itself answers for a session it does not know; a foreign session gets the same. */
const SESSION_NOT_FOUND = () =>
  Response.json({ jsonrpc: "2.0", id: null, error: { code: -32001, message: "Session not found" } }, { status: 404 });

/** The request path, top to bottom: DESIGN.md "What the proxy does to a request". */
export function createHandler(d: HandlerDeps): (req: Request, server: Server<unknown> | null) => Promise<Response> {
  const sinks: Sinks = { audit: d.audit, metrics: d.metrics };

  return async function handle(req, server) {
    const ctx: RequestContext = { ts: d.now(), t0: performance.now(), service: null, instance: null, rpc: null, bytesIn: 0 };

    // The balancer's readiness probe: before everything, as it carries no instance. The
    // front's lane never takes it (parseRoute refuses it), so it is answered only here.
    const url = new URL(req.url);
    if (url.pathname === HEALTH_PATH) return healthResponse(req.method, d.readiness());

    // 0. Browsers: DNS-rebinding protection, then CORS preflight.
    const origin = req.headers.get("origin");
    const originOk = checkOrigin(origin, d.allowedOrigins);
    if (!originOk.ok) return errorResponse({ status: 403, code: originOk.code, message: originOk.message }, looksRpc(req));
    if (req.method === "OPTIONS" && origin) return preflight(req, origin);

    // 1. Route and resolve: instance id → (user, service). Unknown id and wrong service look alike.
    const route = parseRoute(url.pathname);
    if (!route) {
      return errorResponse({ status: 404, code: "not-an-instance-url", message: "use your instance URL: /{instanceId}/{service}/mcp" }, looksRpc(req));
    }
    const service: Service | undefined = d.registry.get(route.service);
    if (service) ctx.service = service.name;

    // Body, bounded by maxBodyBytes; held whole (it is small) so the method and tool can be audited.
    const body = await readBody(req, service?.limits.maxBodyBytes ?? UNKNOWN_SERVICE_MAX_BODY, route.service);
    if (!body.ok) return failed(ctx, sinks, { status: 413, code: body.code, message: body.message }, looksRpc(req));
    ctx.bytesIn = body.bytes.byteLength;
    const contentType = req.headers.get("content-type");
    ctx.rpc = peekRpc(body.bytes, contentType);
    if (!service) {
      // The same body read and store lookup as an unknown id on a known service, and the same answer.
      d.resolver.resolve(route.instanceId, route.service);
      return failed(ctx, sinks, { status: 404, code: "unknown-instance", message: "no such instance URL; ask for your instance URL again (mcpd user list)" }, ctx.rpc ?? looksRpc(req));
    }
    const { upstreamTimeoutMs } = service.limits;

    // 2. Admission, the same decision as the front's lane: the instance, its session, its
    // tool policy, the user's key, then the rate limits.
    const sessionId = req.headers.get("mcp-session-id");
    const a = admit(d, { route, service, sessionIds: [sessionId, url.searchParams.get("sessionId")], body: body.bytes, contentType, rpc: ctx.rpc });
    if (!a.ok) {
      if (a.kind === "handoff") throw new Error("unreachable: the full path asks no carry");
      ctx.instance = a.instance;
      if (a.kind === "session") {
        finish(ctx, { status: 404, bytesOut: 0, event: a.event }, sinks);
        return SESSION_NOT_FOUND();
      }
      return failed(ctx, sinks, a.error, a.rpc ?? ctx.rpc ?? looksRpc(req), a.event);
    }
    const instance = (ctx.instance = a.instance);

    // 3–4. The user's credential in, everything the client could spoof out.
    const remote = "url" in service.run;
    const headers = requestHeaders(req.headers, {
      credentialHeader: service.credential?.inject?.header ?? null,
      credentialValue: a.credentialValue,
      userId: instance.userId,
      instanceRef: instance.ref,
      // A remote server is not mcpd's: no token, no x-mcpd-* (only the user's own values).
      internalToken: remote ? null : d.tokenFor(service.name),
    });
    const path = (route.rest || service.mcpPath) + url.search;
    // The answer may take as long as upstreamTimeoutMs; Bun's idle timeout must not cut it
    // first (respond.ts puts it back once the answer is not a stream).
    server?.timeout(req, 0);

    // 5. Forward: a stdio service goes through its bridge, an HTTP one to its port.
    let sent: ForwardResult;
    let upstreamUrl: URL;
    if (service.transport === "stdio") {
      const bridge = d.bridges?.get(service.name);
      if (!bridge) return failed(ctx, sinks, { status: 503, code: "service-unavailable", message: `service ${service.name} is a stdio service and this mcpd has no bridge for it` });
      upstreamUrl = new URL(`http://127.0.0.1${path}`);
      const bridged = new Request(upstreamUrl, { method: req.method, headers, body: body.bytes.byteLength ? (body.bytes as Uint8Array<ArrayBuffer>) : undefined, signal: req.signal });
      try {
        const res = await bridge.handle(bridged, { instanceRef: instance.ref, userId: instance.userId, secret: a.secret, publicPrefix: route.prefix });
        sent = { ok: true, res, abort: () => {} };
      } catch (e) {
        sent = { ok: false, kind: "failed", detail: (e as Error).message };
      }
    } else if (remote) {
      // Nothing to wait for, but an on-demand remote service starts being probed.
      d.gate.acquire(service.name).catch(() => {});
      const listening = req.method === "GET" && (req.headers.get("accept") ?? "").includes("text/event-stream");
      const target = remoteUrl(service, path)!;
      upstreamUrl = new URL(target);
      let tls: { ca?: string } | undefined;
      try {
        tls = tlsOf(service);
      } catch (e) {
        return failed(ctx, sinks, { status: 502, code: "remote-unreachable", message: (e as Error).message });
      }
      sent = await forward(target, { method: req.method, headers, body: body.bytes, clientSignal: req.signal, timeoutMs: listening ? 0 : upstreamTimeoutMs, tls });
      if (!sent.ok && sent.kind !== "aborted" && sent.kind !== "timeout") {
        server?.timeout(req, CLIENT_IDLE_TIMEOUT_SEC);
        const why = sent.kind === "refused" ? "connection refused" : sent.detail;
        return failed(ctx, sinks, { status: 502, code: "remote-unreachable", message: `service ${service.name}: ${upstreamUrl.origin} could not be reached (${why}); see: mcpd status` });
      }
    } else {
      // A listening stream (GET for server-initiated messages) may stay silent, and some
      // servers send no headers until their first event: no time limit on it.
      const listening = req.method === "GET" && (req.headers.get("accept") ?? "").includes("text/event-stream");
      const reached = await reach(d.gate, service.name, path, { method: req.method, headers, body: body.bytes, clientSignal: req.signal, timeoutMs: listening ? 0 : upstreamTimeoutMs });
      if ("unavailable" in reached) {
        server?.timeout(req, CLIENT_IDLE_TIMEOUT_SEC);
        return failed(ctx, sinks, { status: 503, code: "service-unavailable", message: reached.unavailable, headers: { "retry-after": RETRY_AFTER_SEC } });
      }
      sent = reached.sent;
      upstreamUrl = new URL(reached.url);
    }
    if (!sent.ok) {
      server?.timeout(req, CLIENT_IDLE_TIMEOUT_SEC);
      if (sent.kind === "aborted") {
        finish(ctx, { status: 499, bytesOut: 0, event: "client-gone", error: false }, sinks);
        return new Response(null, { status: 499 });
      }
      return failed(ctx, sinks, upstreamFailure(service, sent));
    }

    // 7–8. Stream the answer back; the audit row is written when it ends.
    return respond({
      req, server, ctx, res: sent.res, abort: sent.abort, service: service.name, instanceRef: instance.ref,
      publicPrefix: route.prefix, upstreamUrl: upstreamUrl!, mcpPath: service.mcpPath, sessionId, origin, sessions: d.sessions, sinks, keepaliveMs: d.keepaliveMs, rewrite: a.rewrite,
      redactor: redactorOf(a.patterns),
    });
  };
}

/**
 * Asks the gate for the port (it starts an on-demand service and waits, bounded, for a
 * restarting one), then forwards. A refused connection means nothing was sent, so after
 * asking the gate again it is retried once: a request that lands in a restart waits for
 * it instead of failing.
 */
async function reach(gate: ServiceGate, name: string, path: string, init: ForwardInit): Promise<{ sent: ForwardResult; url: string } | { unavailable: string }> {
  for (let attempt = 0; attempt < 2; attempt++) {
    let port: number;
    try {
      const acquiring = gate.acquire(name);
      // A healthy service answers at once: no timer for the common case.
      port =
        Bun.peek.status(acquiring) === "fulfilled"
          ? (Bun.peek(acquiring) as { port: number }).port
          : (await withTimeout(acquiring, ACQUIRE_TIMEOUT_MS, `service ${name} did not become ready within ${ACQUIRE_TIMEOUT_MS / 1000} s`)).port;
    } catch (e) {
      return { unavailable: (e as Error).message || `service ${name} is unavailable` };
    }
    const url = `http://127.0.0.1:${port}${path}`;
    const sent = await forward(url, init);
    if (sent.ok || sent.kind !== "refused") return { sent, url };
  }
  return { unavailable: `service ${name} is not accepting connections (it may be restarting); try again in a moment` };
}

/** Ends a request the proxy refuses or cannot serve: its metrics and audit row, and the error answer. */
function failed(ctx: RequestContext, sinks: Sinks, e: ProxyErrorInit, rpc: RpcPeek | null = ctx.rpc, event: string | null = null): Response {
  finish(ctx, { status: e.status, bytesOut: 0, event }, sinks);
  return errorResponse(e, rpc);
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() => clearTimeout(timer));
}

/** How the proxy words a service that failed to answer; the lane words it the same. */
export function upstreamFailure(service: Service, f: Exclude<ForwardResult, { ok: true }>): ProxyErrorInit {
  switch (f.kind) {
    case "timeout":
      return { status: 504, code: "service-timeout", message: `service ${service.name} did not answer within ${service.limits.upstreamTimeoutMs / 1000} s (limits.upstreamTimeoutMs)` };
    case "refused":
      return { status: 503, code: "service-unavailable", message: `service ${service.name} is not accepting connections (it may be restarting); try again in a moment`, headers: { "retry-after": RETRY_AFTER_SEC } };
    default:
      return { status: 502, code: "service-broke-off", message: `service ${service.name} closed the connection before answering (it may have crashed); try again` };
  }
}
