import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadRegistry, type Registry } from "../../src/registry/load.ts";
import type { Service } from "../../src/registry/schema.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { tempDir } from "../helpers/tmp.ts";

/** The variable the "fake" service's config names, so tests point its API at loopback. */
export const FAKE_API_ENV = "FAKEAPI_BASE";

/** A service whose key is checked over HTTP, like figma's: GET /v1/me with X-Fake-Token. */
export const fakeServiceConfig = (extra: Record<string, unknown> = {}) => ({
  name: "fake",
  prefix: "fk",
  port: 49990,
  run: { builtin: "fake" },
  upstream: { baseUrl: "https://api.fake.invalid", env: FAKE_API_ENV },
  credential: {
    label: "Fake token",
    inject: { header: "X-Fake-Token" },
    validate: { method: "GET", url: "/v1/me", header: "X-Fake-Token", format: "Bearer {secret}", expectStatus: 200, timeoutMs: 500, ...extra },
  },
});

export const demoConfig = {
  name: "demo",
  prefix: "demo",
  port: 49991,
  run: { builtin: "demo" },
  credential: { label: "demo key", inject: { header: "X-Demo-Key" }, validate: { local: "non-empty" } },
};

export function writePorts(portsDir: string, configs: Array<Record<string, unknown>>): void {
  for (const c of configs) {
    mkdirSync(join(portsDir, String(c.name)), { recursive: true });
    writeFileSync(join(portsDir, String(c.name), "config.json"), JSON.stringify(c, null, 2));
  }
}

export interface World {
  dir: string;
  dataDir: string;
  portsDir: string;
  dbFile: string;
  keyFile: string;
  store: Store;
  registry: Registry;
  service(name: string): Service;
  cleanup(): void;
}

/** A temp data dir with a real SQLite store and a real ports dir holding `configs`. */
export function world(configs: Array<Record<string, unknown>> = [demoConfig, fakeServiceConfig()]): World {
  const { dir, cleanup } = tempDir("mcpd-accounts");
  const dataDir = join(dir, "data");
  const portsDir = join(dir, "mcp-ports");
  writePorts(portsDir, configs);
  const registry = loadRegistry(portsDir);
  const dbFile = join(dataDir, "mcpd.db");
  const w: World = {
    dir,
    dataDir,
    portsDir,
    dbFile,
    keyFile: join(dataDir, "master.key"),
    store: openStore(dbFile),
    registry,
    service: (name) => registry.get(name)!,
    cleanup() {
      if (w.store.db.open) w.store.close();
      cleanup();
    },
  };
  return w;
}

export interface FakeApi {
  url: string;
  /** Headers of every request, in order. */
  seen: Headers[];
  stop(): Promise<void>;
}

/** The service's identity endpoint, faked on 127.0.0.1: the only thing tests fake. */
export function fakeApi(answer: (req: Request) => Response | Promise<Response>): FakeApi {
  const seen: Headers[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      seen.push(req.headers);
      return answer(req);
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, seen, stop: () => server.stop(true) };
}

/** A fake API that accepts exactly one token. */
export const acceptsOnly = (token: string) => (req: Request) =>
  req.headers.get("x-fake-token") === `Bearer ${token}` ? Response.json({ id: "u1" }) : Response.json({ err: "Invalid token" }, { status: 403 });
