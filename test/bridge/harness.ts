// Test stand-ins for what surrounds the bridge: a service config for the stdio fixture
// and a tiny Bun.serve doing the proxy's part (instance → user + key, prefix stripped).
import { afterEach } from "bun:test";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { Secret } from "../../src/crypto/secret.ts";
import { ServiceConfig, type Service } from "../../src/registry/schema.ts";
import { createStdioBridge, type BridgeContext, type StdioBridge } from "../../src/bridge/index.ts";
import type { CapLimits } from "../../src/util/sessionCap.ts";
import { tempDir } from "../helpers/tmp.ts";

export const FIXTURES = join(import.meta.dir, "..", "fixtures");

export function fixtureService(over: Record<string, unknown> = {}): Service {
  const c = ServiceConfig.parse({
    name: "fp",
    prefix: "fp",
    port: 49999,
    transport: "stdio",
    mode: "per-user",
    run: { command: ["node", "stdio-fingerprint.mjs"] },
    credential: { env: { ENVKEY_TOKEN: "{secret}" } },
    ...over,
  });
  return { ...c, port: c.port ?? 0, dir: FIXTURES, file: join(FIXTURES, "config.json"), mcpPath: "/mcp" };
}

/** What tests made through this harness and have not closed yet. */
const made = { fronts: new Set<Front>(), clients: new Set<Client>(), dirs: [] as Array<ReturnType<typeof tempDir>> };

/** Call once per test file: every front, client and temp dir made through the harness is closed after each test. */
export function closeAfterEach(): void {
  afterEach(async () => {
    const clients = [...made.clients];
    made.clients.clear();
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    for (const f of [...made.fronts]) await f.stop();
    for (const d of made.dirs.splice(0)) d.cleanup();
  });
}

/** A temp dir removed after the test (for the bridge's log file). */
export function testDir(): string {
  const t = tempDir("bridge");
  made.dirs.push(t);
  return t.dir;
}

/** An SDK client the test set up itself, closed after the test with the rest. */
export function keep<C extends Client>(client: C): C {
  made.clients.add(client);
  return client;
}

export interface Front {
  url: string;
  bridge: StdioBridge;
  /** registers an instance the way `mcpd user add` would; returns its MCP URL */
  addInstance(instanceRef: string, userId: string, key: string | null): string;
  stop(): Promise<void>;
}

/** Serves `/{instanceRef}/{service}/{rest}` → bridge.handle, like the proxy does. */
export function startFront(service: Service, logFile?: string, sessionCaps?: CapLimits): Front {
  const bridge = createStdioBridge(service, { logFile, sessionCaps });
  const instances = new Map<string, { userId: string; key: string | null }>();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const [, instanceRef, svc, ...rest] = url.pathname.split("/");
      const inst = instances.get(instanceRef ?? "");
      if (!inst || svc !== service.name) return new Response("not found", { status: 404 });
      const ctx: BridgeContext = {
        instanceRef: instanceRef!,
        userId: inst.userId,
        secret: inst.key === null ? null : new Secret(inst.key),
        publicPrefix: `/${instanceRef}/${svc}`,
      };
      const inner = new Request(new URL(`/${rest.join("/")}${url.search}`, url), req);
      return bridge.handle(inner, ctx);
    },
  });
  const url = `http://127.0.0.1:${server.port}`;
  const front: Front = {
    url,
    bridge,
    addInstance(instanceRef, userId, key) {
      instances.set(instanceRef, { userId, key });
      return `${url}/${instanceRef}/${service.name}/mcp`;
    },
    async stop() {
      made.fronts.delete(front);
      await bridge.close();
      await server.stop(true);
    },
  };
  made.fronts.add(front);
  return front;
}

export async function connect(mcpUrl: string, name = "test"): Promise<Client> {
  const client = keep(new Client({ name, version: "1" }));
  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl)));
  return client;
}

export async function connectLegacy(sseUrl: string): Promise<Client> {
  const client = keep(new Client({ name: "legacy", version: "1" }));
  await client.connect(new SSEClientTransport(new URL(sseUrl)));
  return client;
}

/** The text of a tool call's first content item. */
export async function callText(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const res = (await client.callTool({ name, arguments: args })) as { content: Array<{ text: string }>; isError?: boolean };
  return res.content[0]!.text;
}

export async function whoami(client: Client): Promise<{ fingerprint: string; pid: number }> {
  return JSON.parse(await callText(client, "whoami"));
}

export const fingerprintOf = (key: string) => new Bun.CryptoHasher("sha256").update(key).digest("hex").slice(0, 16);

export { isAlive } from "../helpers/process.ts";
