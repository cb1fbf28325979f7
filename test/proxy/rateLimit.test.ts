import { expect, test } from "bun:test";
import { defaultBurst, RateLimiter, take } from "../../src/proxy/rateLimit.ts";

const policy = { requestsPerMinute: 60, burst: 3 };

test("a full bucket allows a burst, then refuses with the seconds until the next token", () => {
  let b = undefined;
  for (let i = 0; i < 3; i++) {
    const r = take(b, 1_000, policy);
    expect(r.ok).toBe(true);
    b = r.bucket;
  }
  const refused = take(b, 1_000, policy);
  expect(refused).toMatchObject({ ok: false, retryAfterSec: 1 });
  // One token per second at 60/min.
  expect(take(refused.bucket, 2_000, policy).ok).toBe(true);
});

test("refill never exceeds the burst", () => {
  const r = take({ tokens: 0, at: 0 }, 10 * 60_000, policy);
  expect(r.ok && r.bucket.tokens).toBe(2);
});

test("slow rates tell clients to wait longer", () => {
  const r = take({ tokens: 0, at: 0 }, 0, { requestsPerMinute: 2, burst: 1 });
  expect(r).toMatchObject({ ok: false, retryAfterSec: 30 });
});

test("the default burst lets a client connect and is ten seconds' worth for busy services", () => {
  expect(defaultBurst(600)).toBe(100);
  expect(defaultBurst(60)).toBe(10);
  expect(defaultBurst(3)).toBe(3);
});

test("buckets are per key", () => {
  let now = 0;
  const limiter = new RateLimiter(() => now);
  expect(limiter.take("a", { requestsPerMinute: 1, burst: 1 }).ok).toBe(true);
  expect(limiter.take("a", { requestsPerMinute: 1, burst: 1 }).ok).toBe(false);
  expect(limiter.take("b", { requestsPerMinute: 1, burst: 1 }).ok).toBe(true);
  now = 61_000;
  expect(limiter.take("a", { requestsPerMinute: 1, burst: 1 }).ok).toBe(true);
});
