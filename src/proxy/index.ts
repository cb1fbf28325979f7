import type { Server } from "bun";
import { serveFront, type Front, type Lane } from "../front/index.ts";
import type { ServiceMetrics, ServiceState } from "../control/types.ts";
import type { Keyring } from "../crypto/seal.ts";
import type { Registry } from "../registry/load.ts";
import type { Store } from "../store/index.ts";
import type { ChangeFeed } from "../store/changeFeed.ts";
import { AuditWriter } from "./audit.ts";
import { Credentials } from "./credential.ts";
import { createLane } from "./fastLane.ts";
import { ToolCatalog } from "../policy/toolList.ts";
import { readiness } from "./health.ts";
import { bindOffPorts } from "./offPorts.ts";
import { createHandler, type StdioHandler } from "./handle.ts";
import { InstanceTable } from "./instanceTable.ts";
import { Metrics, type InstanceMetrics } from "./metrics.ts";
import { RateLimiter } from "./rateLimit.ts";
import { Resolver } from "./resolve.ts";
import { CLIENT_IDLE_TIMEOUT_SEC } from "./respond.ts";
import { SessionTable } from "./sessions.ts";

export type { StdioHandler } from "./handle.ts";
export type { InstanceMetrics } from "./metrics.ts";

/** The supervisor, as the proxy sees it. */
export interface ServiceGate {
  /** The port once the service can take a request; starts on-demand services; rejects (McpdError "service-unavailable") within a bounded time. */
  acquire(service: string): Promise<{ port: number }>;
  state(service: string): ServiceState;
}

export interface ProxyDeps {
  registry: Registry;
  store: Store;
  /** commits by other connections (CLI commands): each drops the cached instances and keys */
  changes: ChangeFeed;
  keyring: Keyring;
  /** re-reads the master keys: on every store change, and when a record names a key the keyring lacks (after `mcpd key rotate`) */
  reloadKeyring?: () => Keyring;
  /** the x-mcpd-internal secret of each service (one per service per boot); services refuse requests without theirs */
  tokenFor: (service: string) => string;
  gate: ServiceGate;
  now?: () => number;
  /** Browser origins allowed besides loopback ones (exact "scheme://host[:port]", or "*"). */
  allowedOrigins?: string[];
  /** stdio services' bridges by service name (src/bridge createStdioBridge). */
  bridges?: Map<string, StdioHandler>;
  /** Keep-alive comment period on idle event streams (default 15 s; tests shorten it). */
  keepaliveMs?: number;
}

export interface Proxy {
  fetch(req: Request, server: Server<unknown> | null): Promise<Response>;
  /** the common request, taken by src/front without Bun.serve */
  lane: Lane;
  metrics: {
    snapshot(service: string): ServiceMetrics;
    prometheus(): string;
    instances(): InstanceMetrics[];
  };
  /** true while a client holds an event stream open to the service (the supervisor's idle stop waits for it) */
  busy(service: string): boolean;
  /** From now on GET /healthz answers 503 "draining", so balancers send new requests elsewhere. */
  drain(): void;
  /** Writes the queued audit rows; requests after it are not audited. */
  close(): Promise<void>;
}

export function createProxy(deps: ProxyDeps): Proxy {
  const now = deps.now ?? Date.now;
  const instances = new InstanceTable();
  const resolver = new Resolver(deps.store, instances);
  const credentials = new Credentials(deps.store, deps.keyring, now, instances, deps.reloadKeyring);
  // Nothing on the request path asks whether the store changed: the feed says so.
  const unwatch = deps.changes.onChange(() => (resolver.clear(), credentials.storeChanged()));
  const sessions = new SessionTable(now);
  const metrics = new Metrics(now, (s) => sessions.countFor(s), instances);
  const audit = new AuditWriter(deps.store);
  const shared = {
    registry: deps.registry,
    gate: deps.gate,
    tokenFor: deps.tokenFor,
    now,
    resolver,
    credentials,
    limiter: new RateLimiter(instances, now),
    catalog: new ToolCatalog(),
    sessions,
    audit,
    metrics,
    keepaliveMs: deps.keepaliveMs,
  };
  let draining = false;
  const handle = createHandler({
    ...shared,
    allowedOrigins: deps.allowedOrigins ?? [],
    bridges: deps.bridges,
    readiness: () => readiness(deps.registry.services.map((s) => deps.gate.state(s.name)), draining),
  });
  return {
    fetch: handle,
    lane: createLane(shared),
    metrics: { snapshot: (s) => metrics.snapshot(s), prometheus: () => metrics.prometheus(), instances: () => metrics.instanceList() },
    busy: (s) => sessions.openStreams(s) > 0,
    drain: () => void (draining = true),
    close: async () => {
      unwatch();
      audit.close();
      credentials.clear();
    },
  };
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/**
 * Binds the proxy: the front on the public address, and behind it, on a loopback port no
 * service is configured to use, the Bun server that answers whatever the front does not
 * carry itself. Anything but loopback for the front exposes every instance URL to the
 * network: say so.
 */
export function serveProxy(
  proxy: Proxy,
  opts: { host: string; port: number; servicePorts?: ReadonlySet<number>; warn?: (line: string) => void; requestDeadlineMs?: number },
): Front {
  if (!LOOPBACK.has(opts.host)) {
    (opts.warn ?? console.error)(
      `mcpd: warning: the proxy listens on ${opts.host}, not loopback: anyone who can reach this port and knows an instance URL can use it; put TLS in front`,
    );
  }
  const bind = () =>
    Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      idleTimeout: CLIENT_IDLE_TIMEOUT_SEC,
      fetch: (req, server) => proxy.fetch(req, server as Server<unknown>),
      error: () =>
        Response.json({ error: { code: "internal", message: "mcpd's proxy failed on this request; see the daemon's output" } }, { status: 500 }),
    }) as Server<unknown>;
  const fallback = bindOffPorts(bind, opts.servicePorts ?? new Set(), (s) => void s.stop(true));
  try {
    return serveFront({ host: opts.host, port: opts.port, fallback, lane: proxy.lane, idleTimeoutSec: CLIENT_IDLE_TIMEOUT_SEC, requestDeadlineMs: opts.requestDeadlineMs });
  } catch (e) {
    void fallback.stop(true);
    throw e;
  }
}
