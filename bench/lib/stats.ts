/** Latency summary of one measured round; times in ms. */
export interface Summary {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
}

/** Nearest-rank percentile of an ascending-sorted array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export function summarize(latencies: Float64Array, count: number, errors: number, seconds: number): Summary {
  const sorted = latencies.slice(0, count).sort();
  return {
    requests: count,
    errors,
    seconds,
    rps: count / seconds,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
  };
}

export const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
export const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
