import type { ServiceMetrics } from "../control/types.ts";
import { userOfRef } from "../accounts/instanceId.ts";
import { BYTES_IN, BYTES_OUT, ERRORS, LAST_SEEN, REF, REQUESTS, SERVICE, type InstanceTable } from "./instanceTable.ts";

/** Latency bucket upper bounds in ms (Prometheus histogram `le`, in seconds on output). */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000] as const;
/** Rates and percentiles cover this many one-second slots (a minute) … */
const WINDOW_SEC = 60;
/** … except requests/s, which is over the last few seconds, as the TUI shows it live. */
const RATE_SEC = 5;

interface Slot {
  sec: number;
  requests: number;
  errors: number;
  buckets: Uint32Array;
}

interface Totals {
  requests: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
}

class ServiceStats implements Totals {
  requests = 0;
  errors = 0;
  bytesIn = 0;
  bytesOut = 0;
  /** all-time histogram, cumulative on output */
  readonly buckets = new Float64Array(LATENCY_BUCKETS_MS.length + 1);
  latencySumMs = 0;
  readonly byStatus = new Map<number, number>();
  readonly slots: Slot[] = Array.from({ length: WINDOW_SEC }, () => ({ sec: -1, requests: 0, errors: 0, buckets: new Uint32Array(LATENCY_BUCKETS_MS.length + 1) }));
}

export interface InstanceMetrics extends Totals {
  ref: string;
  service: string;
  userId: string;
  lastSeen: number;
}

export interface Observation {
  service: string;
  /** the instance's InstanceTable row */
  instance: { row: number } | null;
  status: number;
  latencyMs: number;
  bytesIn: number;
  bytesOut: number;
  /** the proxy or the service failed (5xx, or the service went away mid-answer) */
  error: boolean;
}

const bucketOf = (ms: number) => {
  let i = 0;
  while (i < LATENCY_BUCKETS_MS.length && ms > LATENCY_BUCKETS_MS[i]!) i++;
  return i;
};

/**
 * Counters per service and per instance, a latency histogram, and a one-minute ring of
 * per-second slots for live rates and percentiles. `record` is a few array writes; the
 * work happens in `snapshot`/`prometheus`, which the control plane calls about once a second.
 */
export class Metrics {
  private readonly services = new Map<string, ServiceStats>();

  /** Per-instance counters live in the instances' InstanceTable rows. */
  constructor(
    private readonly now: () => number,
    private readonly activeSessions: (service: string) => number,
    private readonly instances: InstanceTable,
  ) {}

  private stats(service: string): ServiceStats {
    let s = this.services.get(service);
    if (!s) this.services.set(service, (s = new ServiceStats()));
    return s;
  }

  record(o: Observation): void {
    const s = this.stats(o.service);
    const b = bucketOf(o.latencyMs);
    s.requests++;
    s.bytesIn += o.bytesIn;
    s.bytesOut += o.bytesOut;
    s.buckets[b]!++;
    s.latencySumMs += o.latencyMs;
    s.byStatus.set(o.status, (s.byStatus.get(o.status) ?? 0) + 1);
    if (o.error) s.errors++;
    const now = this.now();
    const sec = Math.floor(now / 1000);
    const slot = s.slots[sec % WINDOW_SEC]!;
    if (slot.sec !== sec) (slot.sec = sec, (slot.requests = 0), (slot.errors = 0), slot.buckets.fill(0));
    slot.requests++;
    slot.buckets[b]!++;
    if (o.error) slot.errors++;
    if (o.instance) this.recordInstance(o, now);
  }

  private recordInstance(o: Observation, now: number): void {
    const t = this.instances;
    const row = o.instance!.row;
    t.addNum(row, REQUESTS, 1);
    t.addNum(row, BYTES_IN, o.bytesIn);
    t.addNum(row, BYTES_OUT, o.bytesOut);
    t.setNum(row, LAST_SEEN, now);
    if (o.error) t.addNum(row, ERRORS, 1);
  }

  snapshot(service: string): ServiceMetrics {
    const s = this.services.get(service);
    const activeSessions = this.activeSessions(service);
    if (!s) return { requests: 0, errors: 0, bytesIn: 0, bytesOut: 0, requestsPerSec: 0, errorRate: 0, p50Ms: null, p99Ms: null, activeSessions };
    const nowSec = Math.floor(this.now() / 1000);
    let recent = 0;
    let reqs = 0;
    let errs = 0;
    const hist = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
    for (const slot of s.slots) {
      const age = nowSec - slot.sec;
      if (slot.sec < 0 || age >= WINDOW_SEC || age < 0) continue;
      reqs += slot.requests;
      errs += slot.errors;
      if (age < RATE_SEC) recent += slot.requests;
      slot.buckets.forEach((n, i) => (hist[i]! += n));
    }
    return {
      requests: s.requests,
      errors: s.errors,
      bytesIn: s.bytesIn,
      bytesOut: s.bytesOut,
      requestsPerSec: Math.round((recent / RATE_SEC) * 10) / 10,
      errorRate: reqs ? errs / reqs : 0,
      p50Ms: percentile(hist, 0.5),
      p99Ms: percentile(hist, 0.99),
      activeSessions,
    };
  }

  instanceList(): InstanceMetrics[] {
    const t = this.instances;
    const list: InstanceMetrics[] = [];
    t.forEach((_key, row) => {
      if (t.num(row, REQUESTS) === 0) return;
      const ref = t.text(row, REF);
      list.push({
        ref,
        service: t.serviceName(t.num(row, SERVICE)),
        userId: userOfRef(ref),
        requests: t.num(row, REQUESTS),
        errors: t.num(row, ERRORS),
        bytesIn: t.num(row, BYTES_IN),
        bytesOut: t.num(row, BYTES_OUT),
        lastSeen: t.num(row, LAST_SEEN),
      });
    });
    return list;
  }

  prometheus(): string {
    const out: string[] = [];
    const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
    const head = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    const names = [...this.services.keys()].sort();
    const each = (name: string, type: string, help: string, value: (s: ServiceStats, svc: string) => number) => {
      head(name, type, help);
      for (const svc of names) out.push(`${name}{service="${esc(svc)}"} ${value(this.services.get(svc)!, svc)}`);
    };
    each("mcpd_requests_total", "counter", "Requests proxied.", (s) => s.requests);
    each("mcpd_errors_total", "counter", "Requests that failed in the proxy or the service (5xx).", (s) => s.errors);
    each("mcpd_request_bytes_total", "counter", "Request body bytes from clients.", (s) => s.bytesIn);
    each("mcpd_response_bytes_total", "counter", "Response body bytes to clients.", (s) => s.bytesOut);
    each("mcpd_active_sessions", "gauge", "MCP sessions bound to an instance.", (_s, svc) => this.activeSessions(svc));
    head("mcpd_responses_total", "counter", "Responses by HTTP status.");
    for (const svc of names) {
      for (const [status, n] of [...this.services.get(svc)!.byStatus].sort((a, b) => a[0] - b[0])) {
        out.push(`mcpd_responses_total{service="${esc(svc)}",status="${status}"} ${n}`);
      }
    }
    head("mcpd_request_duration_seconds", "histogram", "Time until the answer was complete (until headers for GET streams).");
    for (const svc of names) {
      const s = this.services.get(svc)!;
      let cum = 0;
      LATENCY_BUCKETS_MS.forEach((le, i) => {
        cum += s.buckets[i]!;
        out.push(`mcpd_request_duration_seconds_bucket{service="${esc(svc)}",le="${le / 1000}"} ${cum}`);
      });
      out.push(`mcpd_request_duration_seconds_bucket{service="${esc(svc)}",le="+Inf"} ${s.requests}`);
      out.push(`mcpd_request_duration_seconds_sum{service="${esc(svc)}"} ${s.latencySumMs / 1000}`);
      out.push(`mcpd_request_duration_seconds_count{service="${esc(svc)}"} ${s.requests}`);
    }
    const instances = this.instanceList();
    head("mcpd_instance_requests_total", "counter", "Requests per instance (by its public ref).");
    for (const m of instances) {
      out.push(`mcpd_instance_requests_total{service="${esc(m.service)}",instance="${esc(m.ref)}",user="${esc(m.userId)}"} ${m.requests}`);
    }
    head("mcpd_instance_errors_total", "counter", "Failed requests per instance.");
    for (const m of instances) {
      out.push(`mcpd_instance_errors_total{service="${esc(m.service)}",instance="${esc(m.ref)}",user="${esc(m.userId)}"} ${m.errors}`);
    }
    return out.join("\n") + "\n";
  }
}

/** The upper bound of the bucket holding the q-th latency; the overflow bucket reports the last bound. */
function percentile(hist: number[], q: number): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (!total) return null;
  const rank = Math.ceil(total * q);
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]!;
    if (seen >= rank) return LATENCY_BUCKETS_MS[Math.min(i, LATENCY_BUCKETS_MS.length - 1)]!;
  }
  return null;
}
