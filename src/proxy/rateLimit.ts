/**
 * Per-instance token buckets: two numbers in the instance's row and no allocation per
 * request. At 10,000 users every object kept per instance shows in the daemon's memory.
 */
import { AT, BUCKET, DAY, DAY_CALLS, P_AT, P_BUCKET, P_TOKENS, TOKENS, type InstanceTable } from "./instanceTable.ts";

export interface Bucket {
  tokens: number;
  /** ms timestamp of the last refill */
  at: number;
}

export interface RatePolicy {
  requestsPerMinute: number;
  /** Bucket size: how many requests may come at once after a quiet spell. */
  burst: number;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterSec: number };

const ALLOWED: TakeResult = Object.freeze({ ok: true });
const ADMITTED: Admission = ALLOWED as Admission;

/**
 * Default bucket size when a config gives none: ten seconds' worth, at least 10 so that a
 * client connecting (initialize, initialized, tools/list, GET stream) is never refused.
 */
export function defaultBurst(requestsPerMinute: number): number {
  return Math.min(requestsPerMinute, Math.max(10, Math.ceil(requestsPerMinute / 6)));
}

/** Tokens in `b` at `now`: refilled at the policy's rate since its last use, never above the burst. */
function refilled(b: Bucket, now: number, p: RatePolicy): number {
  return Math.min(p.burst, b.tokens + Math.max(0, now - b.at) * (p.requestsPerMinute / 60_000));
}

/** Takes one token from `b` (updating it in place) or says how many seconds until there is one. */
export function take(b: Bucket, now: number, p: RatePolicy): TakeResult {
  const tokens = refilled(b, now, p);
  b.at = now;
  if (tokens >= 1) {
    b.tokens = tokens - 1;
    return ALLOWED;
  }
  b.tokens = tokens;
  return { ok: false, retryAfterSec: Math.max(1, Math.ceil((1 - tokens) / (p.requestsPerMinute / 60_000) / 1000)) };
}

/**
 * Protocol traffic (initialize, notifications, pings, list calls, DELETE, streams) has a
 * budget of its own, far above any client's needs and still low enough to stop a runaway
 * loop: counting it against the calls' limit made the conformance suite, run through one
 * instance URL at the defaults, fail with 429.
 */
export const PROTOCOL_PER_MINUTE = 6_000;
export const PROTOCOL_BURST = 1_000;

/** The protocol bucket's size: 1,000 at the default rate, ten seconds' worth at a higher one, never above the rate. */
export const protocolBurst = (perMinute: number) => Math.min(perMinute, Math.max(PROTOCOL_BURST, Math.ceil(perMinute / 6)));
const DAY_MS = 86_400_000;

export interface Limits {
  requestsPerMinute: number;
  burst?: number;
  protocolPerMinute?: number;
  callsPerDay?: number;
}

export type Admission = { ok: true } | { ok: false; retryAfterSec: number; message: string };

/** Token buckets in the instances' InstanceTable rows (TOKENS, AT). */
export class RateLimiter {
  /** The bucket being taken from, copied in and out of its row, with the policy of this request. */
  private readonly scratch: Bucket & RatePolicy = { tokens: 0, at: 0, requestsPerMinute: 0, burst: 0 };

  constructor(
    private readonly table: InstanceTable,
    private readonly now: () => number,
  ) {}

  /**
   * Whether the instance on `row` may send a request carrying `calls` calls that reach the
   * upstream API (0 for protocol traffic): the one decision both the front's lane and the
   * full path take. Calls count against `requestsPerMinute` (and `callsPerDay`, when set);
   * everything else against the protocol budget.
   */
  admit(row: number, ref: string, limits: Limits, calls: number): Admission {
    if (calls === 0) {
      const perMinute = limits.protocolPerMinute ?? PROTOCOL_PER_MINUTE;
      const r = this.take(row, perMinute, protocolBurst(perMinute), "protocol");
      return r.ok ? r : { ...r, message: `instance ${ref} is over ${perMinute} protocol messages per minute; retry in ${r.retryAfterSec} s` };
    }
    const day = limits.callsPerDay === undefined ? null : this.dayQuota(row, ref, limits.callsPerDay, calls);
    if (day && !day.ok) return day;
    const { requestsPerMinute } = limits;
    const r = this.take(row, requestsPerMinute, limits.burst ?? defaultBurst(requestsPerMinute), "calls", calls);
    if (!r.ok) return { ...r, message: `instance ${ref} is over ${requestsPerMinute} calls per minute; retry in ${r.retryAfterSec} s` };
    if (day) this.table.addNum(row, DAY_CALLS, calls);
    return r;
  }

  /** The UTC day's count, started over when the day has turned; refused when `calls` more would pass the quota. */
  private dayQuota(row: number, ref: string, perDay: number, calls: number): Admission {
    const now = this.now();
    const today = Math.floor(now / DAY_MS);
    const t = this.table;
    if (t.num(row, DAY) !== today) (t.setNum(row, DAY, today), t.setNum(row, DAY_CALLS, 0));
    if (t.num(row, DAY_CALLS) + calls <= perDay) return ADMITTED;
    const resets = (today + 1) * DAY_MS;
    return {
      ok: false,
      retryAfterSec: Math.ceil((resets - now) / 1000),
      message: `instance ${ref} has used its ${perDay} calls for today (limits.callsPerDay); the count resets at ${new Date(resets).toISOString()}`,
    };
  }

  /** `n` tokens from one of the instance's buckets at `requestsPerMinute` with `burst` (a reloaded config applies at once). */
  take(row: number, requestsPerMinute: number, burst: number, which: "calls" | "protocol" = "calls", n = 1): TakeResult {
    const now = this.now();
    const t = this.table;
    const b = this.scratch;
    const [USED, LEFT, WHEN] = which === "calls" ? CALL_COLUMNS : PROTOCOL_COLUMNS;
    const used = t.num(row, USED) === 1;
    b.tokens = used ? t.num(row, LEFT) : burst;
    b.at = used ? t.num(row, WHEN) : now;
    b.requestsPerMinute = requestsPerMinute;
    b.burst = burst;
    // A batch of n calls needs n tokens; taken one by one, a refusal part-way keeps the ones taken.
    let result = ALLOWED;
    for (let i = 0; i < n && result.ok; i++) result = take(b, now, b);
    t.setNum(row, USED, 1);
    t.setNum(row, LEFT, b.tokens);
    t.setNum(row, WHEN, b.at);
    return result;
  }
}

const CALL_COLUMNS = [BUCKET, TOKENS, AT] as const;
const PROTOCOL_COLUMNS = [P_BUCKET, P_TOKENS, P_AT] as const;
