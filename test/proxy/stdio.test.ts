// The branch for stdio services: the proxy resolves the instance and opens the key, the
// bridge (src/bridge) runs the child with it. Real bridge, real child, real SDK client.
import { afterEach, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Front } from "../../src/front/index.ts";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createStdioBridge } from "../../src/bridge/index.ts";
import { ServiceConfig } from "../../src/registry/schema.ts";
import { openStore } from "../../src/store/index.ts";
import { McpdError } from "../../src/util/errors.ts";
import { createProxy, serveProxy } from "../../src/proxy/index.ts";
import { tempDir } from "../helpers/tmp.ts";
import { addUser, makeRegistry, testKeyring } from "./harness.ts";

const FIXTURES = join(import.meta.dir, "..", "fixtures");
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

test("a stdio service is reached through its bridge, with the user's own key", async () => {
  const c = ServiceConfig.parse({
    name: "fp",
    prefix: "fp",
    port: 49999,
    transport: "stdio",
    mode: "per-user",
    run: { command: [process.execPath, "stdio-fingerprint.mjs"] },
    credential: { env: { ENVKEY_TOKEN: "{secret}" } },
  });
  const service = { ...c, port: c.port ?? 0, dir: FIXTURES, file: join(FIXTURES, "config.json"), mcpPath: "/mcp" };
  const tmp = tempDir("mcpd-proxy-stdio");
  const store = openStore(join(tmp.dir, "mcpd.db"));
  const keyring = await testKeyring();
  const bridge = createStdioBridge(service, {});
  const proxy = createProxy({
    registry: makeRegistry([service]),
    store,
    changes: store.watch(),
    keyring,
    tokenFor: () => "t",
    gate: { acquire: async () => Promise.reject(new McpdError("service-unavailable", "stdio services have no port")), state: () => "healthy" },
    bridges: new Map([["fp", bridge]]),
  });
  const server: Front = serveProxy(proxy, { host: "127.0.0.1", port: 0 });
  cleanups.push(tmp.cleanup, () => store.close(), () => proxy.close(), () => bridge.close(), () => server.stop(true));

  const fp = (k: string) => createHash("sha256").update(k).digest("hex").slice(0, 16);
  for (const [user, key] of [["alice", "stdio-key-alice"], ["bob", "stdio-key-bob"]] as const) {
    const inst = addUser(store, keyring, user, service, key);
    const client = new Client({ name: "t", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${server.port}/${inst.id}/fp/mcp`)));
    cleanups.push(() => client.close());
    const r = (await client.callTool({ name: "whoami", arguments: {} })) as any;
    expect(JSON.parse(r.content[0].text).fingerprint).toBe(fp(key));
  }
  expect(proxy.metrics.snapshot("fp").activeSessions).toBe(2);
}, 30_000);
