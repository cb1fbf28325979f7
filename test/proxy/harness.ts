// Shared setup for proxy tests: a real store in a temp dir, a real keyring, the echo
// fixture as a real child process on a free port, and a gate over it that restarts it
// when it has died (as the supervisor would).
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { hashInstanceId, newInstanceId, refOf } from "../../src/accounts/instanceId.ts";
import { associatedData, keyIdOf, seal, type Keyring } from "../../src/crypto/seal.ts";
import { ready } from "../../src/crypto/sodium.ts";
import type { ServiceState } from "../../src/control/types.ts";
import type { Registry } from "../../src/registry/load.ts";
import { ServiceConfig, type Service } from "../../src/registry/schema.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import type { ChangeFeed } from "../../src/store/changeFeed.ts";
import { McpdError } from "../../src/util/errors.ts";
import { createProxy, serveProxy, type Proxy, type ProxyDeps } from "../../src/proxy/index.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { tempDir } from "../helpers/tmp.ts";

export const FIXTURE = join(import.meta.dir, "../fixtures/echo-mcp.ts");
export const KEY_HEADER = "X-Echo-Key";

export const fingerprint = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 16);

export interface EchoService {
  port: number;
  child: Subprocess | null;
  starts: number;
  /** what the gate does when the proxy asks for the port */
  acquire(): Promise<{ port: number }>;
  /** SIGKILL; resolves once the process is gone (as the supervisor would notice it). */
  kill(): Promise<unknown>;
  stop(): Promise<void>;
}

/** Runs test/fixtures/echo-mcp.ts; `acquire` (re)starts it and waits until it answers. */
export async function startEcho(token: string, flags: string[] = []): Promise<EchoService> {
  const port = await freePort();
  let starting: Promise<void> | null = null;
  const healthy = async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/health`, { headers: { "x-mcpd-internal": token } })).ok;
    } catch {
      return false;
    }
  };
  const svc: EchoService = {
    port,
    child: null,
    starts: 0,
    async acquire() {
      // Like the supervisor: a service that is starting is waited for, not handed out.
      if (starting) await starting;
      if (!svc.child || svc.child.exitCode !== null || svc.child.signalCode !== null) {
        starting ??= (async () => {
          svc.child = Bun.spawn([process.execPath, FIXTURE, "--port", String(port), ...flags], {
            env: { ...process.env, MCPD_INTERNAL_TOKEN: token },
            stdout: "ignore",
            stderr: "inherit",
          });
          svc.starts++;
          await waitFor(healthy, { what: "echo fixture to answer", timeoutMs: 15_000 });
        })().finally(() => (starting = null));
        await starting;
      }
      return { port };
    },
    kill() {
      svc.child?.kill("SIGKILL");
      return svc.child?.exited ?? Promise.resolve();
    },
    async stop() {
      svc.child?.kill("SIGKILL");
      await svc.child?.exited;
    },
  };
  await svc.acquire();
  return svc;
}

export function makeService(over: Partial<ServiceConfig> & { name: string; port: number }): Service {
  const c = ServiceConfig.parse({
    prefix: "ech",
    run: { command: ["true"] },
    credential: { label: "echo key", inject: { header: KEY_HEADER, format: "{secret}" } },
    ...over,
  });
  return { ...c, port: c.port ?? 0, dir: "/nonexistent", file: "/nonexistent/config.json", mcpPath: c.path ?? (c.transport === "sse" ? "/sse" : "/mcp") };
}

export function makeRegistry(services: Service[]): Registry {
  const byName = new Map(services.map((s) => [s.name, s]));
  return { portsDir: "/nonexistent", services, invalid: [], get: (n) => byName.get(n) };
}

export async function testKeyring(): Promise<Keyring> {
  await ready();
  const key = new Uint8Array(randomBytes(32));
  const id = keyIdOf(key);
  return { current: id, keys: new Map([[id, key]]) };
}

/** What `mcpd user add` leaves in the store: a user, their sealed key, a live instance. Returns the instance id. */
export function addUser(store: Store, keyring: Keyring, userId: string, service: Service, secret: string): { id: string; ref: string } {
  const id = newInstanceId(service.prefix, userId);
  const idHash = hashInstanceId(id);
  const ref = refOf(service.prefix, userId, idHash);
  const now = Date.now();
  store.tx(() => {
    store.users.ensure(userId, now);
    store.credentials.put({ userId, service: service.name, ...seal(keyring, secret, associatedData(userId, service.name)), fingerprint: fingerprint(secret), updatedAt: now });
    store.instances.add({ idHash, ref, userId, service: service.name, createdAt: now });
  });
  return { id, ref };
}

export interface World {
  dir: string;
  dbFile: string;
  store: Store;
  /** the proxy's change feed: `changed()` is what a CLI's nudge over the control socket does */
  changes: ChangeFeed;
  keyring: Keyring;
  token: string;
  echo: EchoService;
  service: Service;
  registry: Registry;
  proxy: Proxy;
  /** a gate whose acquire can be replaced per test */
  gate: { acquire(name: string): Promise<{ port: number }>; state(name: string): ServiceState };
  url(id: string, rest?: string): string;
  cleanup(): Promise<void>;
}

/** One echo service "echo" behind a proxy; nothing bound unless the test binds it. */
export async function world(opts: { flags?: string[]; service?: Partial<ServiceConfig>; proxy?: Partial<ProxyDeps> } = {}): Promise<World> {
  const tmp = tempDir("mcpd-proxy");
  const dbFile = join(tmp.dir, "mcpd.db");
  const store = openStore(dbFile);
  const keyring = await testKeyring();
  const token = randomBytes(16).toString("hex");
  const echo = await startEcho(token, opts.flags);
  const service = makeService({ name: "echo", port: echo.port, ...opts.service });
  const registry = makeRegistry([service]);
  const gate = {
    // Not async: a running echo's acquire() is already settled, as the supervisor's is for a
    // healthy service, so the front's lane can take the request.
    acquire: (name: string) => (name === "echo" ? echo.acquire() : Promise.reject(new McpdError("service-unavailable", `service ${name} is stopped`))),
    state: (_name: string): ServiceState => "healthy",
  };
  const changes = store.watch();
  const proxy = createProxy({ registry, store, changes, keyring, tokenFor: () => token, gate: { acquire: (n) => gate.acquire(n), state: (n) => gate.state(n) }, ...opts.proxy });
  return {
    dir: tmp.dir,
    dbFile,
    store,
    changes,
    keyring,
    token,
    echo,
    service,
    registry,
    proxy,
    gate,
    url: (id, rest = "/mcp") => `http://mcpd.test/${id}/echo${rest}`,
    async cleanup() {
      await proxy.close();
      await echo.stop();
      store.close();
      tmp.cleanup();
    },
  };
}

/** A JSON-RPC POST as a client would send it. */
export function rpc(url: string, body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(body),
  });
}

export const INIT = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "test", version: "1" } },
};

/** Reads a Streamable HTTP answer (JSON or SSE) and returns the JSON-RPC messages in it. */
export async function messages(res: Response): Promise<any[]> {
  const text = await res.text();
  if (!(res.headers.get("content-type") ?? "").includes("event-stream")) return [JSON.parse(text)];
  return text
    .split(/\n\n/)
    .flatMap((ev) => ev.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()))
    .filter(Boolean)
    .map((d) => JSON.parse(d));
}

/** initialize + initialized through the proxy; returns the session id. */
export async function openSession(proxy: Proxy, url: string): Promise<string> {
  const res = await proxy.fetch(rpc(url, INIT), null);
  if (res.status !== 200) throw new Error(`initialize answered ${res.status}: ${await res.text()}`);
  const sid = res.headers.get("mcp-session-id");
  await res.body?.cancel();
  if (!sid) throw new Error("no session id");
  const ack = await proxy.fetch(rpc(url, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" }), null);
  await ack.body?.cancel();
  return sid;
}

export async function callTool(proxy: Proxy, url: string, sid: string, name: string, args: unknown = {}, id = 2): Promise<any> {
  const res = await proxy.fetch(
    rpc(url, { jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } }, { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" }),
    null,
  );
  const msgs = await messages(res);
  return msgs.find((m) => m.id === id);
}

/**
 * How a test reaches the proxy: "function" calls proxy.fetch (the full path, in process);
 * "front" binds it as `mcpd start` does (serveProxy) and sends over a socket, so a
 * request the front's lane takes goes the lane's way.
 */
export type Via = "function" | "front";

/** The world's proxy as a test in `via` mode sees it; close() unbinds it. */
export function reach(w: World, via: Via): { proxy: Proxy; close(): Promise<void> } {
  if (via === "function") return { proxy: w.proxy, close: async () => {} };
  const front = serveProxy(w.proxy, { host: "127.0.0.1", port: 0 });
  const base = `http://127.0.0.1:${front.port}`;
  const send = (req: Request) => fetch(new Request(req.url.replace("http://mcpd.test", base), req));
  return { proxy: { ...w.proxy, fetch: send }, close: () => front.stop(true) };
}
