import { DEFAULT_BACKOFF } from "../supervisor/backoff.ts";

/** What `status`, the TUI and the log say about a stdio service's children going wrong. */
export interface FailureSnapshot {
  /** children that exited without being asked to, or never got as far as initialize */
  crashes: number;
  /** children started again for an instance whose last child crashed */
  restarts: number;
  /** "pid 123 exited (code 3) while serving env_alice_x", null until a child has exited */
  lastExit: string | null;
  /** the last start that failed, with the command and the OS's words; null until one did */
  lastError: string | null;
  /** as many crashes within a minute as make an HTTP service crash-looping */
  crashLoop: boolean;
}

/**
 * Counts one stdio service's failures, the way the supervisor counts an HTTP service's:
 * the same crash-loop threshold (DEFAULT_BACKOFF), so both read alike in `status`. The
 * bridge has no backoff of its own: the next request starts a child again, and its
 * client gets the error that names the failure.
 */
export class ChildFailures {
  crashes = 0;
  restarts = 0;
  lastExit: string | null = null;
  lastError: string | null = null;
  private recent: number[] = [];

  constructor(private readonly now: () => number) {}

  /** A child exited; `expected` when mcpd stopped it (idle, revoked, shutdown). */
  exited(what: string, expected: boolean): void {
    this.lastExit = what;
    if (!expected) this.failed();
  }

  /** A start that did not get the child initialized (spawn error, exit, timeout). */
  startFailed(message: string): void {
    this.lastError = message;
    this.failed();
  }

  restarted(): void {
    this.restarts++;
  }

  get crashLoop(): boolean {
    const t = this.now();
    this.recent = this.recent.filter((at) => t - at < DEFAULT_BACKOFF.crashLoopWindowMs);
    return this.recent.length >= DEFAULT_BACKOFF.crashLoopFailures;
  }

  /** `mcpd restart S`: an operator who fixed the server starts from a clean slate, as for an HTTP service. */
  clearLoop(): void {
    this.recent = [];
  }

  snapshot(): FailureSnapshot {
    return { crashes: this.crashes, restarts: this.restarts, lastExit: this.lastExit, lastError: this.lastError, crashLoop: this.crashLoop };
  }

  private failed(): void {
    this.crashes++;
    this.recent.push(this.now());
  }
}
