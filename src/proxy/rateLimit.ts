/**
 * Per-instance token buckets: two numbers in the instance's row and no allocation per
 * request. At 10,000 users every object kept per instance shows in the daemon's memory.
 */
import { AT, BUCKET, TOKENS, type InstanceTable } from "./instanceTable.ts";

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

/** Token buckets in the instances' InstanceTable rows (TOKENS, AT). */
export class RateLimiter {
  /** The bucket being taken from, copied in and out of its row, with the policy of this request. */
  private readonly scratch: Bucket & RatePolicy = { tokens: 0, at: 0, requestsPerMinute: 0, burst: 0 };

  constructor(
    private readonly table: InstanceTable,
    private readonly now: () => number,
  ) {}

  /** One request by the instance on `row` at `requestsPerMinute` with `burst` (a reloaded config applies at once). */
  take(row: number, requestsPerMinute: number, burst: number): TakeResult {
    const now = this.now();
    const t = this.table;
    const b = this.scratch;
    const used = t.num(row, BUCKET) === 1;
    b.tokens = used ? t.num(row, TOKENS) : burst;
    b.at = used ? t.num(row, AT) : now;
    b.requestsPerMinute = requestsPerMinute;
    b.burst = burst;
    const result = take(b, now, b);
    t.setNum(row, BUCKET, 1);
    t.setNum(row, TOKENS, b.tokens);
    t.setNum(row, AT, b.at);
    return result;
  }
}
