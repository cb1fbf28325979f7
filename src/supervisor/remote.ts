import type { ServiceState, StateChange } from "../control/types.ts";
import type { Service } from "../registry/schema.ts";
import { probeRemote, type RemoteProbe } from "../remote/probe.ts";
import type { Clock } from "./clock.ts";
import type { RunnerSnapshot } from "./runner.ts";

export interface RemoteRunnerDeps {
  service: Service;
  clock: Clock;
  onChange: (c: StateChange) => void;
  probe?: (s: Service) => Promise<RemoteProbe>;
}

/**
 * A remote service (run.url) as the supervisor shows it: no process, a probe every
 * health.intervalMs, healthy while the server answers. Requests are never held back on
 * the probe's word: one that fails says why itself.
 */
export class RemoteRunner {
  state: ServiceState = "stopped";
  private lastError: string | null = null;
  private startedAt: number | null = null;
  private timer: unknown = null;
  private gen = 0;

  constructor(private readonly d: RemoteRunnerDeps) {}

  snapshot(): RunnerSnapshot {
    return { state: this.state, crashLoop: false, pid: null, startedAt: this.startedAt, restarts: 0, lastExit: null, lastError: this.lastError };
  }

  start(reason: string): void {
    if (this.timer !== null || this.state === "starting") return;
    this.startedAt = this.d.clock.now();
    this.set("starting", reason);
    void this.check(++this.gen);
  }

  async restart(reason = "restart requested"): Promise<void> {
    await this.stop(reason);
    this.start(reason);
  }

  async stop(reason: string, to: ServiceState = "stopped"): Promise<void> {
    this.gen++;
    if (this.timer !== null) this.d.clock.clearTimeout(this.timer);
    this.timer = null;
    this.set(to, reason);
  }

  /** Nothing to wait for: the URL is the service. */
  async acquire(): Promise<{ port: number }> {
    if (this.state === "stopped") this.start("first request");
    return { port: 0 };
  }

  private async check(gen: number): Promise<void> {
    const r = await (this.d.probe ?? probeRemote)(this.d.service);
    if (gen !== this.gen) return;
    if (r.ok) {
      this.lastError = null;
      this.set("healthy", "the remote server answers");
    } else {
      this.lastError = r.reason;
      this.set("unhealthy", r.reason);
    }
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = null;
      void this.check(gen);
    }, this.d.service.health.intervalMs);
  }

  private set(to: ServiceState, reason: string): void {
    if (this.state === to) return;
    const from = this.state;
    this.state = to;
    this.d.onChange({ ts: this.d.clock.now(), service: this.d.service.name, from, to, reason });
  }
}
