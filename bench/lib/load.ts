// The closed-loop client every comparison uses: `concurrency` workers, each sending its
// next request the moment the previous one answers, until a request count or a time
// budget runs out (whichever first), so every loop is bounded both ways.
import { summarize, type Summary } from "./stats.ts";

export interface LoopBudget {
  concurrency: number;
  maxRequests: number;
  maxMs: number;
}

/** One request by worker `w`; resolves when the answer is read, throws when it is wrong. */
export type Call = (w: number) => Promise<void>;

export async function closedLoop(call: Call, budget: LoopBudget): Promise<Summary & { firstError?: string; latencies: Float64Array }> {
  const latencies = new Float64Array(budget.maxRequests);
  let issued = 0;
  let done = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + budget.maxMs;
  const worker = async (w: number) => {
    while (issued < budget.maxRequests && performance.now() < deadline) {
      issued++;
      const t0 = performance.now();
      try {
        await call(w);
        latencies[done++] = performance.now() - t0;
      } catch (e) {
        errors++;
        firstError ??= (e as Error).message;
        // A failing target answers fast; pause so an error storm can't spin the CPU.
        if (errors > 50) await Bun.sleep(10);
      }
    }
  };
  await Promise.all(Array.from({ length: budget.concurrency }, (_, w) => worker(w)));
  const seconds = (performance.now() - start) / 1000;
  return { ...summarize(latencies, done, errors, seconds), firstError, latencies: latencies.slice(0, done) };
}
