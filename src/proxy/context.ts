import type { Instance } from "./resolve.ts";
import type { RpcPeek } from "./jsonrpc.ts";
import type { AuditWriter } from "./audit.ts";
import type { Metrics } from "./metrics.ts";

/** What one request has learned so far, for its audit row and metrics. */
export interface RequestContext {
  /** wall clock at arrival (the audit row's ts) */
  ts: number;
  /** monotonic start, for latency */
  t0: number;
  service: string | null;
  instance: Instance | null;
  rpc: RpcPeek | null;
  bytesIn: number;
}

export interface Outcome {
  status: number;
  bytesOut: number;
  /** "session-mismatch", "client-gone", "service-broke-off" … */
  event?: string | null;
  /** proxy or service failure (5xx / broken stream), as opposed to a client mistake */
  error?: boolean;
}

/** Ends one request's bookkeeping: a metrics observation and an audit row (queued, not written). */
export function finish(ctx: RequestContext, o: Outcome, sinks: { audit: AuditWriter; metrics: Metrics }): void {
  const latencyMs = Math.round((performance.now() - ctx.t0) * 100) / 100;
  if (ctx.service) {
    sinks.metrics.record({
      service: ctx.service,
      instance: ctx.instance,
      status: o.status,
      latencyMs,
      bytesIn: ctx.bytesIn,
      bytesOut: o.bytesOut,
      error: o.error ?? o.status >= 500,
    });
  }
  sinks.audit.push({
    ts: ctx.ts,
    userId: ctx.instance?.userId ?? null,
    service: ctx.service,
    instance: ctx.instance?.ref ?? null,
    method: ctx.rpc?.method ?? null,
    tool: ctx.rpc?.tool ?? null,
    status: o.status,
    latencyMs,
    bytesIn: ctx.bytesIn,
    bytesOut: o.bytesOut,
    event: o.event ?? null,
  });
}
