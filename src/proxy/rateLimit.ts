/**
 * Per-instance token buckets. One small mutable entry per instance and no allocation per
 * request: at 10,000 users every object kept per instance shows in the daemon's memory.
 */

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

/** Buckets full again are dropped this often, so memory follows active instances only. */
const SWEEP_MS = 60_000;

/** A bucket with the policy it was last used under (the sweep needs it to know when it is full). */
type Entry = Bucket & RatePolicy;

export class RateLimiter {
  private readonly buckets = new Map<string, Entry>();
  private lastSweep: number;

  constructor(private readonly now: () => number) {
    this.lastSweep = now();
  }

  /** One request by `key` (an instance ref) at `requestsPerMinute` with `burst`. */
  take(key: string, requestsPerMinute: number, burst: number): TakeResult {
    const now = this.now();
    if (now - this.lastSweep > SWEEP_MS) this.sweep(now);
    let e = this.buckets.get(key);
    if (!e) this.buckets.set(key, (e = { tokens: burst, at: now, requestsPerMinute, burst }));
    // A reloaded config applies from the next request on.
    e.requestsPerMinute = requestsPerMinute;
    e.burst = burst;
    return take(e, now, e);
  }

  /** Buckets that refilled are forgotten: a new one starts full, which is the same. */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, e] of this.buckets) if (refilled(e, now, e) >= e.burst - 1) this.buckets.delete(key);
  }
}
