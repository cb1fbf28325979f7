/**
 * Per-instance token buckets. `take` is a pure function of (bucket, now, policy); the
 * `RateLimiter` only keeps the buckets in a Map and forgets the ones that refilled.
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

export type TakeResult = { ok: true; bucket: Bucket } | { ok: false; bucket: Bucket; retryAfterSec: number };

/**
 * Default bucket size when a config gives none: ten seconds' worth, at least 10 so that a
 * client connecting (initialize, initialized, tools/list, GET stream) is never refused.
 */
export function defaultBurst(requestsPerMinute: number): number {
  return Math.min(requestsPerMinute, Math.max(10, Math.ceil(requestsPerMinute / 6)));
}

export function take(bucket: Bucket | undefined, now: number, p: RatePolicy): TakeResult {
  const perMs = p.requestsPerMinute / 60_000;
  const b = bucket ?? { tokens: p.burst, at: now };
  const tokens = Math.min(p.burst, b.tokens + Math.max(0, now - b.at) * perMs);
  if (tokens >= 1) return { ok: true, bucket: { tokens: tokens - 1, at: now } };
  return { ok: false, bucket: { tokens, at: now }, retryAfterSec: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
}

/** Buckets full again are dropped this often, so memory follows active instances only. */
const SWEEP_MS = 60_000;

export class RateLimiter {
  private readonly buckets = new Map<string, { bucket: Bucket; policy: RatePolicy }>();
  private lastSweep: number;

  constructor(private readonly now: () => number) {
    this.lastSweep = now();
  }

  /** One request by `key` (an instance ref) under `policy`. */
  take(key: string, policy: RatePolicy): TakeResult {
    const now = this.now();
    if (now - this.lastSweep > SWEEP_MS) this.sweep(now);
    const r = take(this.buckets.get(key)?.bucket, now, policy);
    this.buckets.set(key, { bucket: r.bucket, policy });
    return r;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, { bucket, policy }] of this.buckets) {
      if (take(bucket, now, policy).bucket.tokens >= policy.burst - 1) this.buckets.delete(key);
    }
  }
}
