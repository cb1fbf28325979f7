import { join } from "node:path";
import type { Front } from "../front/index.ts";
import { createStdioBridge, type StdioBridge } from "../bridge/index.ts";
import type { ChildSummary, ServiceMetrics, ServiceState, ServiceStatus } from "../control/types.ts";
import type { Keyring } from "../crypto/seal.ts";
import { createProxy, serveProxy } from "../proxy/index.ts";
import type { Registry } from "../registry/load.ts";
import type { Service } from "../registry/schema.ts";
import type { Store } from "../store/index.ts";
import type { ChangeFeed } from "../store/changeFeed.ts";
import type { GroupTracker } from "../supervisor/reaper.ts";

/** What the daemon needs of the proxy and the stdio bridges behind it. */
export interface ProxyHandle {
  server: Front;
  snapshot(service: string): ServiceMetrics;
  prometheus(): string;
  /** true while a client holds an event stream open to the service */
  busy(service: string): boolean;
  /** a stdio service's live children; null for services the supervisor runs */
  children(service: string): ChildSummary | null;
  /** GET /healthz answers 503 from now on (shutdown has begun) */
  drain(): void;
  /** a service the registry gained while running: a stdio one gets its bridge */
  addService(service: Service): void;
  /** a stdio service's crash counts and last failure; null for services the supervisor runs */
  stdioFailures(service: string): Pick<ServiceStatus, "restarts" | "lastExit" | "lastError" | "crashLoop"> | null;
  /** `mcpd restart S` for a stdio service: stops its children (each starts again on its next request); false for any other service */
  restart(service: string): Promise<boolean>;
  /** flushes the audit log and stops every stdio child; idempotent */
  close(): Promise<void>;
}

export interface ProxyWiring {
  registry: Registry;
  store: Store;
  changes: ChangeFeed;
  keyring: Keyring;
  reloadKeyring: () => Keyring;
  tokenFor: (service: string) => string;
  gate: { acquire(service: string): Promise<{ port: number }>; state(service: string): ServiceState };
  host: string;
  port: number;
  logsDir: string;
  /** the orphan reaper: bridge children are process groups it must know about */
  tracker?: Pick<GroupTracker, "add" | "remove">;
  env?: NodeJS.ProcessEnv;
  allowedOrigins?: string[];
  warn?: (line: string) => void;
}

/** Builds the stdio bridges and the proxy and binds it; the one place the daemon touches src/proxy. */
export function startProxy(w: ProxyWiring): ProxyHandle {
  const bridges = new Map<string, StdioBridge>();
  const addService = (service: Service) => {
    if (service.transport !== "stdio") return;
    // The same log file `mcpd logs <service>` reads for supervised services.
    bridges.set(service.name, createStdioBridge(service, { logFile: join(w.logsDir, `${service.name}.log`), env: w.env, track: w.tracker }));
  };
  for (const service of w.registry.services) addService(service);
  // A per-user child holds its user's key in its environment: it must not outlive the
  // instance (user removed, URL revoked or rotated) by more than the feed's delay.
  const isLive = (ref: string) => w.store.instances.findByRef(ref)?.revokedAt === null;
  const unwatch = w.changes.onChange(() => {
    for (const bridge of bridges.values()) void bridge.retire(isLive);
  });
  const proxy = createProxy({
    registry: w.registry,
    store: w.store,
    changes: w.changes,
    keyring: w.keyring,
    reloadKeyring: w.reloadKeyring,
    tokenFor: w.tokenFor,
    gate: w.gate,
    bridges,
    allowedOrigins: w.allowedOrigins,
  });
  const servicePorts = new Set(w.registry.services.map((s) => s.port));
  const server = serveProxy(proxy, { host: w.host, port: w.port, servicePorts, warn: w.warn });
  let closing: Promise<void> | null = null;
  return {
    server,
    snapshot: (s) => proxy.metrics.snapshot(s),
    prometheus: () => proxy.metrics.prometheus(),
    busy: (s) => proxy.busy(s),
    drain: () => proxy.drain(),
    addService,
    children(name) {
      const bridge = bridges.get(name);
      if (!bridge) return null;
      const st = bridge.status();
      return {
        live: st.live,
        rssBytes: st.rssBytes,
        crashes: st.crashes,
        processes: st.children.map((c) => ({ instance: c.instanceRef, pid: c.pid, startedAt: c.startedAt, lastUsedAt: c.lastUsedAt, rssBytes: c.rssBytes })),
      };
    },
    stdioFailures(name) {
      const st = bridges.get(name)?.status();
      return st ? { restarts: st.restarts, lastExit: st.lastExit, lastError: st.lastError, crashLoop: st.crashLoop } : null;
    },
    async restart(name) {
      const bridge = bridges.get(name);
      if (!bridge) return false;
      await bridge.restart();
      return true;
    },
    close() {
      closing ??= (async () => {
        unwatch();
        await proxy.close().catch(() => {});
        await Promise.all([...bridges.values()].map((b) => b.close()));
      })();
      return closing;
    },
  };
}
