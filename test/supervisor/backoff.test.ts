import { describe, expect, test } from "bun:test";
import { Backoff } from "../../src/supervisor/backoff.ts";

// A fixed "random" makes jitter predictable: 0.5 means exactly the base delay.
const mid = () => 0.5;

describe("backoff", () => {
  test("the first retry is fast and later ones double up to the cap", () => {
    const b = new Backoff({ crashLoopFailures: 100 }, mid);
    let now = 0;
    const delays = Array.from({ length: 10 }, () => b.onFailure((now += 60_000)).delayMs);
    expect(delays[0]).toBeGreaterThanOrEqual(100);
    expect(delays[0]).toBeLessThanOrEqual(200);
    expect(delays.slice(0, 4)).toEqual([150, 300, 600, 1200]);
    expect(Math.max(...delays)).toBe(30_000);
    expect(delays.at(-1)).toBe(30_000);
  });

  test("jitter stays within ±25% and never above the cap", () => {
    for (const r of [0, 0.999]) {
      const b = new Backoff({ crashLoopFailures: 100 }, () => r);
      const d = b.onFailure(0).delayMs;
      expect(d).toBeGreaterThanOrEqual(112);
      expect(d).toBeLessThanOrEqual(188);
      for (let i = 0; i < 20; i++) expect(b.onFailure(i * 100_000).delayMs).toBeLessThanOrEqual(30_000);
    }
  });

  test("many failures in the window are a crash loop that backs off to the cap", () => {
    const b = new Backoff({}, mid);
    const results = [0, 200, 600, 1_300, 2_800].map((t) => b.onFailure(t));
    expect(results.slice(0, 4).every((r) => !r.crashLoop)).toBe(true);
    expect(results[4].crashLoop).toBe(true);
    expect(results[4].delayMs).toBe(30_000);
    expect(b.crashLoop).toBe(true);
  });

  test("failures spread wider than the window are not a crash loop", () => {
    const b = new Backoff({}, mid);
    for (let i = 0; i < 10; i++) expect(b.onFailure(i * 61_000).crashLoop).toBe(false);
  });

  test("staying healthy long enough starts the backoff over and clears the crash loop", () => {
    const b = new Backoff({}, mid);
    for (let t = 0; t < 5; t++) b.onFailure(t * 100);
    expect(b.crashLoop).toBe(true);
    b.onHealthy(40_000);
    b.settle(69_999);
    expect(b.crashLoop).toBe(true); // not yet: 29.999 s healthy
    b.settle(70_000);
    expect(b.crashLoop).toBe(false);
    expect(b.onFailure(70_001).delayMs).toBe(150);
  });

  test("a short healthy spell does not reset the backoff", () => {
    const b = new Backoff({ crashLoopFailures: 100 }, mid);
    b.onFailure(0);
    b.onFailure(100_000);
    b.onHealthy(100_500);
    expect(b.onFailure(101_000).delayMs).toBe(600);
  });
});
