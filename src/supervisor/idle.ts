import type { Clock } from "./clock.ts";

/**
 * On-demand services stop after `idleStopMs` without a request. `touch()` on each
 * acquire; `arm()` once the service is up; `disarm()` when it goes down for another reason.
 * A service that is `busy()` (a client holds a stream open to it) is not idle, however quiet.
 */
export class IdleStop {
  private lastUsed = 0;
  private timer: unknown = null;

  constructor(
    private readonly clock: Clock,
    private readonly idleStopMs: number,
    private readonly onIdle: (quietMs: number) => void,
    private readonly busy: () => boolean = () => false,
  ) {}

  touch(): void {
    this.lastUsed = this.clock.now();
  }

  arm(): void {
    this.disarm();
    const check = () => {
      if (this.busy()) this.touch();
      const quiet = this.clock.now() - this.lastUsed;
      if (quiet >= this.idleStopMs) {
        this.timer = null;
        this.onIdle(quiet);
      } else {
        this.timer = this.clock.setTimeout(check, this.idleStopMs - quiet);
      }
    };
    this.timer = this.clock.setTimeout(check, Math.max(0, this.idleStopMs - (this.clock.now() - this.lastUsed)));
  }

  disarm(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
