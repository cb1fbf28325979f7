/**
 * The control plane's wire shapes: what `mcpd status --json`, `mcpd tui` and the
 * daemon agree on. Additive changes only; the README documents them.
 */

export type ServiceState =
  | "starting"
  | "healthy"
  | "unhealthy"
  | "restarting"
  | "backing-off"
  | "stopped"
  | "failed"
  /** an on-demand service that is not running because nobody has called it yet / lately */
  | "idle"
  /** its config.json is broken or clashes with another's: not served (lastError says why) */
  | "invalid";

export interface ServiceMetrics {
  requests: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
  /** over the last few seconds */
  requestsPerSec: number;
  /** errors / requests over the last minute, 0..1 */
  errorRate: number;
  p50Ms: number | null;
  p99Ms: number | null;
  activeSessions: number;
}

/** Per-user stdio children of one service (issue 8). */
export interface ChildSummary {
  live: number;
  rssBytes: number;
  /** children that exited without being asked to, or failed to start, since the daemon started */
  crashes: number;
  /** one per live child; `instance` is the public ref of the instance it serves, null for a shared child */
  processes: Array<{ instance: string | null; pid: number; startedAt: number; lastUsedAt: number; rssBytes: number }>;
}

export interface ServiceStatus {
  name: string;
  title: string;
  prefix: string;
  port: number;
  transport: "streamable-http" | "sse" | "stdio";
  start: "boot" | "on-demand";
  state: ServiceState;
  /** many exits in a short window: backing off to the cap */
  crashLoop: boolean;
  pid: number | null;
  /** ms since epoch when the current process started, null when not running */
  startedAt: number | null;
  restarts: number;
  /** "exit code 1", "signal SIGKILL", "health probe failed: connection refused", ... */
  lastExit: string | null;
  lastError: string | null;
  /** users with a live instance of this service */
  users: number;
  children: ChildSummary | null;
  metrics: ServiceMetrics;
}

export interface DaemonStatus {
  version: string;
  pid: number;
  startedAt: number;
  proxyUrl: string;
  dataDir: string;
  portsDir: string;
  users: number;
  instances: number;
  /** live instances whose URL may call less than every tool (the rest may call all) */
  toolPolicies: Array<{ ref: string; user: string; service: string; tools: string }>;
  requestsPerSec: number;
  services: ServiceStatus[];
}

/** One state transition, with why it happened. */
export interface StateChange {
  ts: number;
  service: string;
  from: ServiceState;
  to: ServiceState;
  reason: string;
}

/** What the CLI and the TUI use to talk to a running daemon (implemented in client.ts). */
export interface ControlClient {
  status(): Promise<DaemonStatus>;
  /**
   * Live feed: a full status about once a second and every transition as it happens.
   * Returns a function that ends the subscription.
   */
  subscribe(handlers: {
    onStatus(s: DaemonStatus): void;
    onChange(c: StateChange): void;
    onError(e: Error): void;
  }): () => void;
  restart(service: string): Promise<void>;
  stop(): Promise<void>;
  logTail(service: string, lines: number): Promise<string[]>;
  recentChanges(service?: string): Promise<StateChange[]>;
}
