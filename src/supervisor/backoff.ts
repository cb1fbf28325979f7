/**
 * The restart policy, a pure function of the times it is told about: exponential delay
 * with jitter, a crash loop when too many failures fall in one window (then straight to
 * the cap), and a clean slate once a child has stayed healthy long enough.
 */
export interface BackoffOptions {
  /** the first retry comes quickly: most crashes are one-offs */
  initialMs: number;
  factor: number;
  capMs: number;
  /** ± this fraction of the delay, so services that died together don't return in lockstep */
  jitter: number;
  crashLoopFailures: number;
  crashLoopWindowMs: number;
  /** healthy this long and the next failure starts from the first delay again */
  healthyResetMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 150,
  factor: 2,
  capMs: 30_000,
  jitter: 0.25,
  crashLoopFailures: 5,
  crashLoopWindowMs: 60_000,
  healthyResetMs: 30_000,
};

export interface BackoffDecision {
  delayMs: number;
  /** failures since the last reset, this one included */
  attempt: number;
  crashLoop: boolean;
}

export class Backoff {
  private readonly opts: BackoffOptions;
  private attempts = 0;
  private failures: number[] = [];
  private healthySince: number | null = null;
  crashLoop = false;

  constructor(opts: Partial<BackoffOptions> = {}, private readonly random: () => number = Math.random) {
    this.opts = { ...DEFAULT_BACKOFF, ...opts };
  }

  /** The child exited or was killed for failing its probes; how long to wait before the next try. */
  onFailure(now: number): BackoffDecision {
    this.settle(now);
    this.healthySince = null;
    const o = this.opts;
    this.failures = this.failures.filter((t) => now - t < o.crashLoopWindowMs);
    this.failures.push(now);
    if (this.failures.length >= o.crashLoopFailures) this.crashLoop = true;
    const base = this.crashLoop ? o.capMs : Math.min(o.capMs, o.initialMs * o.factor ** this.attempts);
    this.attempts += 1;
    const jittered = base * (1 + o.jitter * (2 * this.random() - 1));
    return { delayMs: Math.max(0, Math.round(Math.min(o.capMs, jittered))), attempt: this.attempts, crashLoop: this.crashLoop };
  }

  /** The child answered its probe; healthy from `now` unless it already was. */
  onHealthy(now: number): void {
    if (this.healthySince === null) this.healthySince = now;
    this.settle(now);
  }

  /** Forget past failures once the child has been healthy for `healthyResetMs`. */
  settle(now: number): void {
    if (this.healthySince !== null && now - this.healthySince >= this.opts.healthyResetMs) this.reset();
  }

  /** A person asked for a restart: start over. */
  reset(): void {
    this.attempts = 0;
    this.failures = [];
    this.crashLoop = false;
  }
}
