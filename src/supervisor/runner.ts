import type { Service } from "../registry/schema.ts";
import type { ServiceState, ServiceStatus, StateChange } from "../control/types.ts";
import { McpdError } from "../util/errors.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import type { Clock } from "./clock.ts";
import type { ProbeFn } from "./health.ts";
import type { ListenerCheck } from "./listener.ts";
import { IdleStop } from "./idle.ts";
import { RotatingLog } from "./logs.ts";
import type { PortProblem } from "./ports.ts";
import { nextPortCheckMs, PORT_RETRY_DELAYS_MS } from "./portRetry.ts";
import { describeExit, type Child, type ChildExit, type SpawnFn } from "./spawn.ts";
import { StartSlots, type SlotTicket } from "./startSlots.ts";

/**
 * While starting, the first probe comes this soon after the spawn, and each failed one
 * doubles the wait up to STARTING_PROBE_MAX_MS: a quick child is seen at once, and a slow
 * one is not hammered (a fixed 50 ms across 373 starting services was ~7,500 connections/s).
 */
export const STARTING_PROBE_MS = 50;
export const STARTING_PROBE_MAX_MS = 1_000;
/**
 * A starting child that writes output is probed right away (servers say when they listen),
 * but not more often than this, however chatty it is.
 */
export const OUTPUT_PROBE_GAP_MS = 20;
/** A child that is not healthy this long after spawning is restarted (time waiting for a start slot does not count). */
export const STARTUP_TIMEOUT_MS = 30_000;
/** Consecutive failed probes of a running child before it is restarted. */
export const UNHEALTHY_RESTART_AFTER = 3;
/** SIGKILL after this long: some servers ignore SIGTERM while a request is in flight. */
export const STOP_GRACE_MS = 5_000;
/** A port still taken after the retries at launch is checked this often from then on: a supervisor never gives up for good. */
export const PORT_RECHECK_MS = 10_000;
/** How long acquire() waits for a (re)starting service before giving the caller a 503. */
export const ACQUIRE_WAIT_MS = 10_000;

export interface RunnerDeps {
  service: Service;
  internalToken: string;
  env: NodeJS.ProcessEnv;
  log: RotatingLog;
  clock: Clock;
  spawn: SpawnFn;
  probe: ProbeFn;
  checkPort: (port: number) => Promise<PortProblem | null>;
  /** whether what listens on the port is the child's own socket; checked before every probe, which carries the token */
  verifyListener?: (port: number, pid: number) => ListenerCheck;
  /** waits between checks of a taken port before the service fails (default PORT_RETRY_DELAYS_MS) */
  portRetryDelaysMs?: readonly number[];
  /** how often a port still taken after those is checked again (default PORT_RECHECK_MS) */
  portRecheckMs?: number;
  /** shared by every runner of a supervisor: how many may be starting at once (default: no limit) */
  slots?: StartSlots;
  onChange: (c: StateChange) => void;
  /** told about each process group, so the reaper can clean up if mcpd is SIGKILLed */
  track?: { add(pgid: number): void; remove(pgid: number): void };
  backoff?: Partial<BackoffOptions>;
  random?: () => number;
  stopGraceMs?: number;
  /** true while a client holds a stream open to the service (on-demand services stay up) */
  busy?: (service: string) => boolean;
}

/** The supervisor's part of a service's status line. */
export type RunnerSnapshot = Pick<ServiceStatus, "state" | "crashLoop" | "pid" | "startedAt" | "restarts" | "lastExit" | "lastError">;

/**
 * One service's life: spawn → probe → healthy, and back through backing-off when it
 * exits or stops answering. Every callback checks the generation it was made for, so a
 * stale exit or probe from a replaced child never moves the current one.
 */
export class ServiceRunner {
  state: ServiceState;
  private child: Child | null = null;
  private gen = 0;
  private timer: unknown = null;
  private startedAt: number | null = null;
  private restarts = 0;
  private launched = false;
  private lastExit: string | null = null;
  private lastError: string | null = null;
  private failedProbes = 0;
  /** the start slot held (or waited for) from launch until the state leaves "starting" */
  private slot: SlotTicket | null = null;
  private readonly slots: StartSlots;
  /** failed checks of a taken port since the last spawn, and when the first was */
  private portChecks: { failed: number; firstAt: number } | null = null;
  /** failed probes since the spawn, while starting: sets the next probe's wait */
  private startingProbes = 0;
  private probing = false;
  private lastProbeAt = 0;
  private nextProbeAt: number | null = null;
  /** only for on-demand services */
  private readonly idle: IdleStop | null;
  /** set when mcpd itself ends the child: where to go once it is gone, and why */
  private ending: { to: ServiceState | "relaunch" | "fault"; reason: string } | null = null;
  private readonly backoff: Backoff;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly d: RunnerDeps) {
    this.backoff = new Backoff(d.backoff, d.random);
    this.slots = d.slots ?? new StartSlots(Number.MAX_SAFE_INTEGER);
    this.state = d.service.start === "on-demand" ? "idle" : "stopped";
    this.idle =
      d.service.start === "on-demand"
        ? new IdleStop(
            d.clock,
            d.service.idleStopMs,
            (quiet) => void this.stop(`no requests for ${Math.round(quiet / 1000)} s`, "idle"),
            () => d.busy?.(d.service.name) ?? false,
          )
        : null;
  }

  get name(): string {
    return this.d.service.name;
  }

  snapshot(): RunnerSnapshot {
    return {
      state: this.state,
      crashLoop: this.backoff.crashLoop,
      pid: this.child?.pid ?? null,
      startedAt: this.child ? this.startedAt : null,
      restarts: this.restarts,
      lastExit: this.lastExit,
      lastError: this.lastError,
    };
  }

  /** Boot start, or a person's restart from stopped/failed; `urgent` goes to the front of the line for a start slot. */
  start(reason: string, urgent = false): void {
    if (this.child || this.state === "backing-off" || this.state === "starting") return;
    this.launch(reason, urgent);
  }

  /** A person asked: forget the backoff, replace the process now. */
  async restart(reason = "restart requested"): Promise<void> {
    this.backoff.reset();
    this.portChecks = null;
    this.clearTimer();
    if (this.child) {
      this.set("restarting", reason);
      await this.end({ to: "relaunch", reason });
    } else {
      this.launch(reason, true);
    }
  }

  /** Ends the child (SIGTERM, SIGKILL after the grace period) and stays down. */
  async stop(reason: string, to: ServiceState = "stopped"): Promise<void> {
    this.clearTimer();
    this.idle?.disarm();
    this.portChecks = null;
    ++this.gen; // a launch still checking its port must not spawn after this
    if (this.child) await this.end({ to, reason });
    else if (this.state !== to) this.set(to, reason);
  }

  /** The proxy wants to send a request: the port once the service is healthy, or a 503-worthy error. */
  async acquire(): Promise<{ port: number }> {
    this.idle?.touch();
    const { service } = this.d;
    const deadline = Date.now() + ACQUIRE_WAIT_MS;
    for (;;) {
      switch (this.state) {
        case "healthy":
        case "unhealthy": // probes are failing, but the request may still get through
          return { port: service.port };
        case "failed":
          throw unavailable(`service ${service.name} failed: ${this.lastError ?? this.lastExit ?? "unknown error"}`);
        case "stopped":
          throw unavailable(`service ${service.name} is stopped`);
        case "backing-off":
          if (this.backoff.crashLoop) throw unavailable(`service ${service.name} is crash-looping (last: ${this.lastExit}); mcpd keeps retrying`);
          break;
        case "idle":
          if (service.start === "on-demand") this.start("first request", true);
          break;
      }
      if (!(await this.waitForChange(deadline - Date.now()))) {
        throw unavailable(`service ${service.name} is ${this.state === "starting" || this.state === "idle" ? "starting" : "restarting"}`);
      }
    }
  }

  /**
   * Starting, in three steps: a start slot (waiting in line while as many services as the
   * supervisor allows are starting), the port check, the spawn. The slot is held until
   * the state leaves "starting" (see set()), so it is free again once the child answers
   * its first probe, exits, or is stopped.
   */
  private launch(reason: string, urgent = false): void {
    this.clearTimer();
    this.dropSlot();
    const gen = ++this.gen;
    const { slots } = this;
    const queued = slots.full() ? `; waiting for a start slot (all ${slots.limit} in use, ${urgent ? 0 : slots.waiting} ahead in line)` : "";
    this.set("starting", reason + queued);
    // A free slot is granted inside request(); checkPortThenSpawn awaits before it can
    // change the state, so this.slot is set by then.
    this.slot = slots.request(() => void this.checkPortThenSpawn(gen), urgent);
  }

  private async checkPortThenSpawn(gen: number): Promise<void> {
    const { service } = this.d;
    const problem = await this.d.checkPort(service.port);
    if (gen !== this.gen) return;
    if (problem) return this.portTaken(problem);
    this.portChecks = null;
    let child: Child;
    try {
      child = this.d.spawn({ service, internalToken: this.d.internalToken, env: this.d.env, log: this.d.log, onOutput: () => this.outputSeen(gen) });
    } catch (e) {
      this.lastError = `could not start: ${(e as Error).message}`;
      this.failed(this.lastError);
      return;
    }
    if (this.launched) this.restarts += 1;
    this.launched = true;
    this.child = child;
    this.startedAt = this.d.clock.now();
    this.failedProbes = 0;
    this.startingProbes = 0;
    this.lastProbeAt = this.startedAt;
    this.d.track?.add(child.pid);
    this.d.log.note(`started pid ${child.pid}`);
    child.exited.then((exit) => this.onExit(gen, child, exit));
    this.schedule(gen, STARTING_PROBE_MS);
  }

  /**
   * The port is taken. Check again a few times before failing for good: at boot the
   * holder is usually passing (see PORT_RETRY_DELAYS_MS). The slot goes back meanwhile.
   */
  private portTaken(problem: PortProblem): void {
    const { service } = this.d;
    const now = this.d.clock.now();
    const checks = (this.portChecks ??= { failed: 0, firstAt: now });
    checks.failed += 1;
    this.lastError = `service ${service.name}: ${problem.reason}`;
    const waitMs = nextPortCheckMs(checks.failed, now - checks.firstAt, problem, this.d.portRetryDelaysMs ?? PORT_RETRY_DELAYS_MS);
    if (waitMs === null) {
      // portChecks is kept: the checks every PORT_RECHECK_MS come straight back here until the port is free.
      this.d.log.note(this.lastError);
      const over = checks.failed > 1 ? `; still taken after ${checks.failed} checks over ${((now - checks.firstAt) / 1000).toFixed(1)} s` : "";
      const recheckMs = this.d.portRecheckMs ?? PORT_RECHECK_MS;
      this.set("failed", `${problem.reason}${over}; checking again every ${recheckMs / 1000} s`);
      const gen = ++this.gen;
      this.timer = this.d.clock.setTimeout(() => {
        if (gen === this.gen) this.launch(`checking port ${service.port} again`, true);
      }, recheckMs);
      return;
    }
    this.set("backing-off", `${problem.reason}; checking the port again in ${waitMs} ms`);
    const gen = ++this.gen;
    this.timer = this.d.clock.setTimeout(() => {
      // It has had its turn in line already: back to the front.
      if (gen === this.gen) this.launch(`checking port ${service.port} again`, true);
    }, waitMs);
  }

  /** A starting child wrote something, often "listening on …": probe now rather than at the next step of the backoff. */
  private outputSeen(gen: number): void {
    if (gen !== this.gen || this.state !== "starting" || !this.child || this.probing || this.ending) return;
    const at = Math.max(this.d.clock.now(), this.lastProbeAt + OUTPUT_PROBE_GAP_MS);
    if (this.nextProbeAt !== null && this.nextProbeAt <= at) return;
    this.schedule(gen, at - this.d.clock.now());
  }

  private onExit(gen: number, child: Child, exit: ChildExit): void {
    this.d.track?.remove(child.pid);
    if (this.child === child) this.child = null;
    const how = describeExit(exit);
    this.d.log.note(`pid ${child.pid} exited (${how})`);
    const ending = this.ending;
    this.ending = null;
    if (ending?.to === "relaunch") {
      this.lastExit = `${ending.reason} (${how})`;
      this.launch(ending.reason, true);
      return;
    }
    if (ending?.to === "fault") {
      this.lastExit = `${ending.reason} (${how})`;
      this.failed(ending.reason);
      return;
    }
    if (ending) {
      this.set(ending.to, `${ending.reason} (${how})`);
      return;
    }
    if (gen !== this.gen) return;
    this.lastExit = how;
    this.failed(how);
  }

  /** The child is gone (or being killed) for a fault: wait out the backoff, then try again. */
  private failed(reason: string): void {
    const wasLoop = this.backoff.crashLoop;
    const { delayMs, crashLoop } = this.backoff.onFailure(this.d.clock.now());
    const loop = crashLoop && !wasLoop ? "; crash loop: backing off to the cap" : "";
    this.set("backing-off", `${reason}; retry in ${delayMs} ms${loop}`);
    const gen = ++this.gen;
    // A retry goes to the front of the line: at boot a child that failed (say, its port
    // was taken for a moment) would otherwise wait behind every service yet to start.
    this.timer = this.d.clock.setTimeout(() => {
      if (gen === this.gen) this.launch(`retry after ${reason}`, true);
    }, delayMs);
  }

  private schedule(gen: number, ms: number): void {
    this.clearTimer();
    this.nextProbeAt = this.d.clock.now() + ms;
    this.timer = this.d.clock.setTimeout(() => {
      this.timer = null;
      this.nextProbeAt = null;
      void this.probeOnce(gen);
    }, ms);
  }

  private async probeOnce(gen: number): Promise<void> {
    if (gen !== this.gen || !this.child || this.ending) return;
    const { service } = this.d;
    this.probing = true;
    this.lastProbeAt = this.d.clock.now();
    // No token for a listener that is not the child's (a squatter on the port).
    const held = this.d.verifyListener?.(service.port, this.child.pid);
    if (held && !held.ok) this.lastError = held.reason;
    const result = held && !held.ok ? held : await this.d.probe(service, this.d.internalToken).finally(() => (this.probing = false));
    this.probing = false;
    if (gen !== this.gen || !this.child || this.ending) return;
    const now = this.d.clock.now();
    if (result.ok) {
      this.failedProbes = 0;
      this.backoff.onHealthy(now);
      if (this.state !== "healthy") {
        this.lastError = null;
        this.set("healthy", this.state === "starting" ? `answering on port ${service.port} after ${now - (this.startedAt ?? now)} ms` : "health probe ok again");
        this.idle?.arm();
      }
      return this.schedule(gen, service.health.intervalMs);
    }
    if (this.state === "starting") {
      if (now - (this.startedAt ?? now) < STARTUP_TIMEOUT_MS) return this.schedule(gen, startingProbeWaitMs(++this.startingProbes));
      return this.restartForFault(`not healthy ${STARTUP_TIMEOUT_MS} ms after start: ${result.reason}`);
    }
    this.failedProbes += 1;
    this.lastError = `health probe failed: ${result.reason}`;
    if (this.failedProbes >= UNHEALTHY_RESTART_AFTER) {
      return this.restartForFault(`health probe failed ${this.failedProbes} times: ${result.reason}`);
    }
    if (this.state !== "unhealthy") this.set("unhealthy", this.lastError);
    this.schedule(gen, service.health.intervalMs);
  }

  /** Kill a child that runs but does not serve, then restart it through the backoff. */
  private restartForFault(reason: string): void {
    const child = this.child;
    if (!child) return;
    this.lastError = reason;
    this.set("restarting", reason);
    this.ending = { to: "fault", reason };
    ++this.gen;
    void this.kill(child);
  }

  private async end(ending: { to: ServiceState | "relaunch" | "fault"; reason: string }): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.ending = ending;
    ++this.gen;
    await this.kill(child);
  }

  /** SIGTERM to the group, SIGKILL after the grace period; resolves when the leader is gone. */
  private async kill(child: Child): Promise<void> {
    child.signal("SIGTERM");
    const t = this.d.clock.setTimeout(() => child.signal("SIGKILL"), this.d.stopGraceMs ?? STOP_GRACE_MS);
    await child.exited;
    this.d.clock.clearTimeout(t);
    // The leader may be gone while something it started still holds the group.
    child.signal("SIGKILL");
  }

  private set(to: ServiceState, reason: string): void {
    const from = this.state;
    this.state = to;
    if (to !== "starting") this.dropSlot();
    if (to !== "healthy" && to !== "unhealthy") this.idle?.disarm();
    this.d.log.note(`${from} → ${to}: ${reason}`);
    this.d.onChange({ ts: this.d.clock.now(), service: this.d.service.name, from, to, reason });
    for (const w of [...this.waiters]) w();
  }

  /** True when the state changed before the timeout. */
  private waitForChange(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (changed: boolean) => {
        this.waiters.delete(wake);
        clearTimeout(t);
        resolve(changed);
      };
      const wake = () => done(true);
      const t = setTimeout(() => done(false), Math.max(0, ms));
      this.waiters.add(wake);
    });
  }

  private clearTimer(): void {
    if (this.timer !== null) this.d.clock.clearTimeout(this.timer);
    this.timer = null;
    this.nextProbeAt = null;
  }

  private dropSlot(): void {
    this.slot?.release();
    this.slot = null;
  }
}

/** The wait before the next probe of a starting child, after `failed` failed probes since its spawn. */
export function startingProbeWaitMs(failed: number): number {
  return Math.min(STARTING_PROBE_MAX_MS, STARTING_PROBE_MS * 2 ** failed);
}

const unavailable = (message: string) => new McpdError("service-unavailable", message);
