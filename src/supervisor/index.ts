import type { Registry } from "../registry/load.ts";
import type { Service } from "../registry/schema.ts";
import type { ServiceState, StateChange } from "../control/types.ts";
import { McpdError } from "../util/errors.ts";
import type { BackoffOptions } from "./backoff.ts";
import { systemClock, type Clock } from "./clock.ts";
import { probeService, type ProbeFn } from "./health.ts";
import { logFileOf, RotatingLog } from "./logs.ts";
import { checkPort, type PortProblem } from "./ports.ts";
import { verifyListener, type ListenerCheck } from "./listener.ts";
import type { GroupTracker } from "./reaper.ts";
import { RemoteRunner } from "./remote.ts";
import { ServiceRunner, type RunnerSnapshot } from "./runner.ts";
import { spawnChild, type SpawnFn } from "./spawn.ts";
import { defaultStartSlots, StartSlots } from "./startSlots.ts";

/** Transitions kept for `mcpd status`, the TUI's detail pane and GET /changes. */
export const RECENT_CHANGES_KEPT = 500;

export interface SupervisorDeps {
  registry: Registry;
  /** the x-mcpd-internal secret of each service (src/util/serviceTokens.ts) */
  tokenFor: (service: string) => string;
  logsDir: string;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  spawn?: SpawnFn;
  probe?: ProbeFn;
  checkPort?: (port: number) => Promise<PortProblem | null>;
  /** default: the child's socket looked up in /proc (listener.ts); null turns the check off (tests with a fake child) */
  verifyListener?: ((port: number, pid: number) => ListenerCheck) | null;
  /** waits between checks of a taken port before its service fails (default PORT_RETRY_DELAYS_MS) */
  portRetryDelaysMs?: readonly number[];
  portRecheckMs?: number;
  /** how many services may be starting at once (default: defaultStartSlots(), a few per core) */
  startSlots?: number;
  tracker?: Pick<GroupTracker, "add" | "remove">;
  backoff?: Partial<BackoffOptions>;
  random?: () => number;
  stopGraceMs?: number;
  /** true while the proxy holds a client's stream open to the service: not idle */
  busy?: (service: string) => boolean;
}

export interface Supervisor {
  /** boot services start now; on-demand ones wait for acquire() */
  startAll(): void;
  /** a service the registry gained while running (`mcpd reload`): supervised from now on, started if "boot" */
  add(service: Service): void;
  /** ServiceGate: the port of a healthy service, starting an on-demand one; rejects with McpdError("service-unavailable") */
  acquire(service: string): Promise<{ port: number }>;
  state(service: string): ServiceState;
  snapshot(service: string): RunnerSnapshot;
  restart(service: string): Promise<void>;
  /** stops every child (SIGTERM, SIGKILL after the grace period) */
  stopAll(reason: string): Promise<void>;
  onChange(fn: (c: StateChange) => void): () => void;
  recentChanges(service?: string): StateChange[];
  logFile(service: string): string;
  /** the services this supervisor runs (stdio services are the bridge's) */
  names(): string[];
}

export function createSupervisor(deps: SupervisorDeps): Supervisor {
  const clock = deps.clock ?? systemClock;
  const listeners = new Set<(c: StateChange) => void>();
  const recent: StateChange[] = [];
  const emit = (c: StateChange) => {
    recent.push(c);
    if (recent.length > RECENT_CHANGES_KEPT) recent.shift();
    for (const fn of listeners) fn(c);
  };
  const logs: RotatingLog[] = [];
  // One line for every runner: a fleet booting together starts a few services at a time.
  const slots = new StartSlots(deps.startSlots ?? defaultStartSlots());
  const runners = new Map<string, ServiceRunner | RemoteRunner>();
  const supervise = (service: Service) => {
    // stdio services are spoken to over pipes by the bridge, which starts its own children.
    if (service.transport === "stdio") return;
    if ("url" in service.run) return void runners.set(service.name, new RemoteRunner({ service, clock, onChange: emit }));
    const log = new RotatingLog(logFileOf(deps.logsDir, service.name));
    logs.push(log);
    runners.set(
      service.name,
      new ServiceRunner({
        service,
        internalToken: deps.tokenFor(service.name),
        env: deps.env ?? process.env,
        log,
        clock,
        spawn: deps.spawn ?? spawnChild,
        probe: deps.probe ?? probeService,
        checkPort: deps.checkPort ?? ((p) => checkPort(p)),
        verifyListener: deps.verifyListener === undefined ? verifyListener : (deps.verifyListener ?? undefined),
        portRetryDelaysMs: deps.portRetryDelaysMs,
        portRecheckMs: deps.portRecheckMs,
        slots,
        onChange: emit,
        track: deps.tracker,
        backoff: deps.backoff,
        random: deps.random,
        stopGraceMs: deps.stopGraceMs,
        busy: deps.busy,
      }),
    );
  };
  for (const service of deps.registry.services) supervise(service);
  const runner = (name: string) => {
    const r = runners.get(name);
    if (!r && deps.registry.get(name)?.transport === "stdio") {
      throw new McpdError("not-supervised", `service ${name} is a stdio service: its processes are started per request by the stdio bridge`);
    }
    if (!r) {
      const known = [...runners.keys()].join(", ") || "none";
      throw new McpdError("unknown-service", `no service named "${name}" is supervised (known: ${known})`);
    }
    return r;
  };

  return {
    startAll() {
      for (const [name, r] of runners) if (deps.registry.get(name)?.start === "boot") r.start("mcpd start");
    },
    add(service) {
      supervise(service);
      if (service.start === "boot") runners.get(service.name)?.start("mcpd reload");
    },
    acquire: (name) => runner(name).acquire(),
    // stdio services have no supervised process: "idle" until the bridge starts one
    state: (name) => (deps.registry.get(name)?.transport === "stdio" && !runners.has(name) ? "idle" : runner(name).state),
    snapshot: (name) => runner(name).snapshot(),
    restart: (name) => runner(name).restart(),
    async stopAll(reason) {
      await Promise.all([...runners.values()].map((r) => r.stop(reason)));
      for (const l of logs) l.close();
    },
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    recentChanges: (service) => (service ? recent.filter((c) => c.service === service) : [...recent]),
    logFile: (name) => logFileOf(deps.logsDir, name),
    names: () => [...runners.keys()],
  };
}

export type { RunnerSnapshot } from "./runner.ts";
export { startReaper, runReaper, type GroupTracker } from "./reaper.ts";
