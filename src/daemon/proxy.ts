import type { Server } from "bun";
import type { ServiceMetrics, ServiceState } from "../control/types.ts";
import type { Keyring } from "../crypto/seal.ts";
import type { Registry } from "../registry/load.ts";
import type { Store } from "../store/index.ts";

/** What the daemon needs of the proxy (src/proxy/index.ts implements it). */
export interface ProxyHandle {
  server: Server<unknown>;
  snapshot(service: string): ServiceMetrics;
  prometheus(): string;
  close(): Promise<void>;
}

export interface ProxyWiring {
  registry: Registry;
  store: Store;
  keyring: Keyring;
  internalToken: string;
  gate: { acquire(service: string): Promise<{ port: number }>; state(service: string): ServiceState };
  host: string;
  port: number;
}

export const NO_METRICS: ServiceMetrics = {
  requests: 0,
  errors: 0,
  bytesIn: 0,
  bytesOut: 0,
  requestsPerSec: 0,
  errorRate: 0,
  p50Ms: null,
  p99Ms: null,
  activeSessions: 0,
};

/** Builds the proxy and binds it; the one place the daemon touches src/proxy. */
export async function startProxy(w: ProxyWiring): Promise<ProxyHandle> {
  // TODO(integration): a static import once src/proxy/index.ts has landed; until then a
  // daemon without the proxy still supervises and answers 503 on the proxy port.
  const mod = await import("../proxy/index.ts").catch(() => null);
  if (!mod) return placeholderProxy(w);
  const { createProxy, serveProxy } = mod;
  const proxy = createProxy({ registry: w.registry, store: w.store, keyring: w.keyring, internalToken: w.internalToken, gate: w.gate });
  const server = serveProxy(proxy, { host: w.host, port: w.port }) as Server<unknown>;
  return {
    server,
    snapshot: (s) => proxy.metrics.snapshot(s),
    prometheus: () => proxy.metrics.prometheus(),
    close: () => proxy.close(),
  };
}

function placeholderProxy(w: ProxyWiring): ProxyHandle {
  const server = Bun.serve({
    hostname: w.host,
    port: w.port,
    fetch: () => Response.json({ error: "this mcpd was built without its proxy" }, { status: 503 }),
  }) as Server<unknown>;
  return { server, snapshot: () => NO_METRICS, prometheus: () => "", close: async () => {} };
}
