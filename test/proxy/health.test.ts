import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { ServiceState } from "../../src/control/types.ts";
import type { Proxy } from "../../src/proxy/index.ts";
import { readiness } from "../../src/proxy/health.ts";
import { addUser, rpc, INIT, reach, world, type Via, type World } from "./harness.ts";

test("ready while one service can serve and the node is not draining", () => {
  expect(readiness(["healthy", "failed"], false)).toEqual({ ready: true, status: "ready", servicesReady: 1, services: 2 });
  // idle: an on-demand or stdio service starts on its first request
  expect(readiness(["idle"], false).ready).toBe(true);
  for (const states of [[], ["starting"], ["failed", "backing-off", "restarting", "unhealthy", "stopped"]] as ServiceState[][]) {
    expect(readiness(states, false)).toMatchObject({ ready: false, status: "no-service-ready" });
  }
  expect(readiness(["healthy"], true)).toMatchObject({ ready: false, status: "draining" });
});

// The front's lane and the full path must answer /healthz alike: both ways, every case.
describe.each(["function", "front"] as Via[])("via %s", (via) => {
  let w: World;
  let px: Proxy;
  let unbind: () => Promise<void>;
  let state: ServiceState;
  beforeEach(async () => {
    w = await world();
    state = "healthy";
    w.gate.state = () => state;
    ({ proxy: px, close: unbind } = reach(w, via));
  });
  afterEach(async () => {
    await unbind();
    await w.cleanup();
  });
  const get = (method = "GET", headers: Record<string, string> = {}) => px.fetch(new Request("http://mcpd.test/healthz", { method, headers }), null);

  test("GET /healthz is 200 without any credential and names nothing", async () => {
    addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ status: "ready", services: { ready: 1, total: 1 } });
    expect(text).not.toContain("echo");
    expect(text).not.toContain("alice");
    expect((await get("HEAD")).status).toBe(200);
  });

  test("503 when no service can serve, and from the moment the node drains", async () => {
    state = "backing-off";
    const sick = await get();
    expect(sick.status).toBe(503);
    expect(await sick.json()).toMatchObject({ status: "no-service-ready" });
    state = "healthy";
    expect((await get()).status).toBe(200);
    w.proxy.drain();
    const draining = await get();
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ status: "draining" });
  });

  test("a POST to /healthz is refused, not taken for an instance; /healthz/... is no instance URL", async () => {
    const post = await px.fetch(rpc("http://mcpd.test/healthz", INIT), null);
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    const under = await px.fetch(rpc("http://mcpd.test/healthz/echo/mcp", INIT), null);
    expect(under.status).toBe(404);
  });
});
