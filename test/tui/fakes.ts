import type { ControlClient, DaemonStatus, ServiceMetrics, ServiceStatus, StateChange } from "../../src/control/types.ts";

/** A service row with sensible defaults; override what the test is about. */
export function service(name: string, over: Omit<Partial<ServiceStatus>, "metrics"> & { metrics?: Partial<ServiceMetrics> } = {}): ServiceStatus {
  const { metrics, ...rest } = over;
  return {
    name,
    title: name,
    prefix: name.replace(/[^a-z]/g, "").slice(0, 8) || "svc",
    port: 49160,
    transport: "streamable-http",
    start: "boot",
    state: "healthy",
    crashLoop: false,
    pid: 4242,
    startedAt: Date.now() - 65_000,
    restarts: 0,
    lastExit: null,
    lastError: null,
    users: 1,
    children: null,
    ...rest,
    metrics: { requests: 0, errors: 0, bytesIn: 0, bytesOut: 0, requestsPerSec: 0, errorRate: 0, p50Ms: null, p99Ms: null, activeSessions: 0, ...metrics },
  };
}

export function daemonStatus(services: ServiceStatus[], over: Partial<DaemonStatus> = {}): DaemonStatus {
  return {
    version: "0.1.0",
    pid: 1000,
    startedAt: Date.now() - 3_600_000,
    proxyUrl: "http://127.0.0.1:8080",
    dataDir: "/var/lib/mcpd/data",
    portsDir: "/var/lib/mcpd/mcp-ports",
    users: 12,
    instances: 40,
    toolPolicies: [],
    requestsPerSec: 3.5,
    services,
    ...over,
  };
}

/** `n` services named svc-000 … with ports counting up, for windowing tests. */
export function fleet(n: number): ServiceStatus[] {
  return Array.from({ length: n }, (_, i) => service(`svc-${String(i).padStart(3, "0")}`, { port: 49160 + i }));
}

type Handlers = Parameters<ControlClient["subscribe"]>[0];

/**
 * A ControlClient the test drives by hand: push statuses and changes to whoever is
 * subscribed, break the feed, and see what the UI asked for.
 */
export class FakeControlClient implements ControlClient {
  subscribers = new Set<Handlers>();
  subscribeCalls = 0;
  /** when set, subscribe fails at once with this error (daemon not running) */
  refuse: Error | null = null;
  restarts: string[] = [];
  logs = new Map<string, string[]>();
  history: StateChange[] = [];
  current: DaemonStatus;

  constructor(status: DaemonStatus = daemonStatus([])) {
    this.current = status;
  }

  async status() {
    return this.current;
  }
  subscribe(h: Handlers) {
    this.subscribeCalls++;
    if (this.refuse) {
      const e = this.refuse;
      queueMicrotask(() => h.onError(e));
      return () => {};
    }
    this.subscribers.add(h);
    queueMicrotask(() => this.subscribers.has(h) && h.onStatus(this.current));
    return () => void this.subscribers.delete(h);
  }
  push(status: DaemonStatus) {
    this.current = status;
    for (const h of this.subscribers) h.onStatus(status);
  }
  change(c: StateChange) {
    this.history.push(c);
    for (const h of this.subscribers) h.onChange(c);
  }
  /** The daemon goes away: every live feed errors. */
  breakFeed(e = new Error("connection closed")) {
    const subs = [...this.subscribers];
    this.subscribers.clear();
    for (const h of subs) h.onError(e);
  }
  async restart(service: string) {
    this.restarts.push(service);
  }
  async stop() {}
  async logTail(service: string, lines: number) {
    return (this.logs.get(service) ?? []).slice(-lines);
  }
  async recentChanges(service?: string) {
    return this.history.filter((c) => !service || c.service === service);
  }
}
