import { field, fieldCount, statusLine, type Head } from "../front/http1.ts";
import type { Exchange, Lane, Outcome } from "../front/lane.ts";
import type { Registry } from "../registry/load.ts";
import type { AuditWriter } from "./audit.ts";
import { finish, type RequestContext } from "./context.ts";
import { errorBody, streamBreakEvent, type ProxyErrorInit } from "./errors.ts";
import { upstreamFailure, type ServiceGate } from "./handle.ts";
import { requestLines, responseLines } from "./headers.ts";
import { admit, type AdmissionDeps } from "./admission.ts";
import { redactedEvent, redactorOf } from "../redaction/index.ts";
import { peekRpc } from "./jsonrpc.ts";
import type { Metrics } from "./metrics.ts";
import { mayNormalise, parseRoute } from "./route.ts";
import { endsSession } from "./sessions.ts";
import { KEEPALIVE_MS } from "./sse.ts";

/** The request path's parts, shared by the lane and the full path (handle.ts). */
export interface LaneDeps extends AdmissionDeps {
  registry: Registry;
  gate: ServiceGate;
  tokenFor: (service: string) => string;
  now: () => number;
  audit: AuditWriter;
  metrics: Metrics;
  keepaliveMs?: number;
}

/** Fields the lane reads to decide: sent twice, they would mean different things to the lane and the service. */
const DECIDING = ["mcp-session-id", "content-type", "connection"] as const;

/**
 * The common request, taken off the socket by src/front: a JSON-RPC POST from a CLI
 * client (no Origin) to a healthy HTTP service, on a known instance, within its rate and
 * body limits, on a session bound to that instance. Whether it may go on is admit()'s
 * decision, the same function handle.ts asks; anything else (every refusal included) is
 * answered by handle.ts. The lane's own answers, for a service that broke off or did not
 * answer in time, are worded by the same functions as the full path's.
 */
export function createLane(d: LaneDeps): Lane {
  const sinks = { audit: d.audit, metrics: d.metrics };
  return {
    keepaliveMs: d.keepaliveMs ?? KEEPALIVE_MS,
    plan(head: Head, body: Buffer): Exchange | null {
      if (head.method !== "POST" || head.target.includes("?") || mayNormalise(head.target) || field(head, "origin") !== null) return null;
      for (const name of DECIDING) if (fieldCount(head, name) > 1) return null;
      const route = parseRoute(head.target);
      if (!route) return null;
      const service = d.registry.get(route.service);
      // stdio services are the bridge's; a remote one is reached over TLS by the full path.
      if (!service || service.transport === "stdio" || "url" in service.run) return null;
      const { maxBodyBytes, upstreamTimeoutMs } = service.limits;
      if (body.byteLength > maxBodyBytes) return null;
      const sessionId = field(head, "mcp-session-id");
      const contentType = field(head, "content-type");
      const rpc = peekRpc(body, contentType);
      let lines: string | null = null;
      let port = 0;
      const a = admit(d, { route, service, sessionIds: [sessionId], body, contentType, rpc }, (ok) => {
        // An answer to rewrite is the full path's; so is a head the lane cannot write.
        if (ok.rewrite) return false;
        lines = requestLines(head.fields, field(head, "connection"), {
          credentialHeader: service.credential?.inject?.header ?? null,
          credentialValue: ok.credentialValue,
          userId: ok.instance.userId,
          instanceRef: ok.instance.ref,
          internalToken: d.tokenFor(service.name),
        });
        if (lines === null) return false;
        // Asked only for an admitted request: a stranger's URL must not start an on-demand service.
        const acquiring = d.gate.acquire(service.name);
        if (Bun.peek.status(acquiring) !== "fulfilled") {
          acquiring.catch(() => {});
          return false;
        }
        port = (Bun.peek(acquiring) as { port: number }).port;
        return true;
      });
      // Every refusal is worded and audited by the full path, which decides the same way.
      if (!a.ok) return null;
      const instance = a.instance;

      const redactor = redactorOf(a.patterns);
      const ctx: RequestContext = { ts: d.now(), t0: performance.now(), service: service.name, instance, rpc, bytesIn: body.byteLength };
      const path = route.rest || service.mcpPath;
      const name = service.name;
      const fail = (e: ProxyErrorInit) => ({
        status: e.status,
        headers: { "content-type": "application/json", "cache-control": "no-store", ...e.headers },
        body: JSON.stringify(errorBody(e, ctx.rpc)),
      });
      return {
        port,
        head: `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n${lines!}content-length: ${body.byteLength}\r\n\r\n`,
        timeoutMs: upstreamTimeoutMs,
        transform: redactor,
        answer(res) {
          const opened = field(res, "mcp-session-id");
          if (opened && res.status >= 200 && res.status < 300 && opened !== sessionId) d.sessions.bind(name, opened, instance.ref);
          if (sessionId && endsSession("POST", res.status, path, service.mcpPath)) d.sessions.forget(name, sessionId);
          const sse = (field(res, "content-type") ?? "").toLowerCase().startsWith("text/event-stream");
          const stream = sse && res.chunked;
          const te = res.chunked ? "transfer-encoding: chunked\r\n" : "";
          return { head: `${statusLine(res.status)}${responseLines(res.fields, field(res, "connection"), stream)}${te}`, sse };
        },
        failure: (kind) => fail(upstreamFailure(service, kind === "timeout" ? { ok: false, kind: "timeout" } : { ok: false, kind: "failed", detail: "" })),
        breakEvent: () => streamBreakEvent(name, ctx.rpc),
        end: (o: Outcome) => finish(ctx, { ...o, event: redactedEvent(redactor, o.event) }, sinks),
      };
    },
  };
}
