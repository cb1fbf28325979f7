import { expect, test } from "bun:test";
import { InstanceTable } from "../../src/proxy/instanceTable.ts";
import { defaultBurst, RateLimiter, take } from "../../src/proxy/rateLimit.ts";

const policy = { requestsPerMinute: 60, burst: 3 };

test("a full bucket allows a burst, then refuses with the seconds until the next token", () => {
  const b = { tokens: policy.burst, at: 1_000 };
  for (let i = 0; i < 3; i++) expect(take(b, 1_000, policy).ok).toBe(true);
  expect(take(b, 1_000, policy)).toEqual({ ok: false, retryAfterSec: 1 });
  // One token per second at 60/min.
  expect(take(b, 2_000, policy).ok).toBe(true);
  expect(take(b, 2_000, policy).ok).toBe(false);
});

test("refill never exceeds the burst", () => {
  const b = { tokens: 0, at: 0 };
  expect(take(b, 10 * 60_000, policy).ok).toBe(true);
  expect(b.tokens).toBe(2);
});

test("slow rates tell clients to wait longer", () => {
  expect(take({ tokens: 0, at: 0 }, 0, { requestsPerMinute: 2, burst: 1 })).toEqual({ ok: false, retryAfterSec: 30 });
});

test("the default burst lets a client connect and is ten seconds' worth for busy services", () => {
  expect(defaultBurst(600)).toBe(100);
  expect(defaultBurst(60)).toBe(10);
  expect(defaultBurst(3)).toBe(3);
});

test("buckets are per instance", () => {
  let now = 0;
  const table = new InstanceTable();
  const [a, b] = [table.insert(1), table.insert(2)];
  const limiter = new RateLimiter(table, () => now);
  expect(limiter.take(a, 1, 1).ok).toBe(true);
  expect(limiter.take(a, 1, 1).ok).toBe(false);
  expect(limiter.take(b, 1, 1).ok).toBe(true);
  now = 61_000;
  expect(limiter.take(a, 1, 1).ok).toBe(true);
});
