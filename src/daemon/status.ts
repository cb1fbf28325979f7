import type { ChildSummary, DaemonStatus, ServiceMetrics, ServiceStatus } from "../control/types.ts";
import type { Registry } from "../registry/load.ts";
import type { Store } from "../store/index.ts";
import type { Supervisor } from "../supervisor/index.ts";
import { VERSION } from "../version.ts";
import { decodePolicy, describePolicy } from "../policy/toolPolicy.ts";

export interface StatusSources {
  registry: Registry;
  store: Store;
  supervisor: Supervisor;
  metrics(service: string): ServiceMetrics;
  /** a stdio service's bridge children */
  children(service: string): ChildSummary | null;
  /** a stdio service's failures, as the supervisor reports an HTTP service's */
  stdioFailures?(service: string): Pick<ServiceStatus, "restarts" | "lastExit" | "lastError" | "crashLoop"> | null;
  pid: number;
  startedAt: number;
  proxyUrl: string;
  dataDir: string;
  portsDir: string;
}

/** The DaemonStatus that `mcpd status --json`, /events and the TUI all see. */
export function buildStatus(s: StatusSources): DaemonStatus {
  const usersOf = s.store.instances.liveUsersPerService();
  const supervised = new Set(s.supervisor.names());
  const services: ServiceStatus[] = s.registry.services.map((svc) => {
    const metrics = s.metrics(svc.name);
    const children = s.children(svc.name);
    const run = supervised.has(svc.name)
      ? s.supervisor.snapshot(svc.name)
      : // stdio services: the bridge starts their children per request; "healthy" while any runs
        {
          state: children?.live ? ("healthy" as const) : ("idle" as const),
          crashLoop: false,
          pid: null,
          startedAt: null,
          restarts: 0,
          lastExit: null,
          lastError: null,
          ...s.stdioFailures?.(svc.name),
        };
    return {
      name: svc.name,
      title: svc.title ?? svc.name,
      prefix: svc.prefix,
      port: svc.port,
      transport: svc.transport,
      start: svc.start,
      ...run,
      users: usersOf.get(svc.name) ?? 0,
      children,
      metrics,
    };
  });
  // Broken folders are listed where people look, with why; nothing of theirs runs.
  for (const bad of s.registry.invalid) {
    services.push({
      name: bad.name,
      title: bad.name,
      prefix: "",
      port: 0,
      transport: "streamable-http",
      start: "boot",
      state: "invalid",
      crashLoop: false,
      pid: null,
      startedAt: null,
      restarts: 0,
      lastExit: null,
      lastError: bad.problems.join("; "),
      users: usersOf.get(bad.name) ?? 0,
      children: null,
      metrics: s.metrics(bad.name),
    });
  }
  return {
    version: VERSION,
    pid: s.pid,
    startedAt: s.startedAt,
    proxyUrl: s.proxyUrl,
    dataDir: s.dataDir,
    portsDir: s.portsDir,
    users: s.store.users.count(),
    instances: s.store.instances.countLive(),
    toolPolicies: s.store.instances.listRestricted().map((i) => ({ ref: i.ref, user: i.userId, service: i.service, tools: describePolicy(decodePolicy(i.toolPolicy)) })),
    requestsPerSec: services.reduce((n, x) => n + x.metrics.requestsPerSec, 0),
    services,
  };
}
