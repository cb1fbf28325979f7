import { afterEach, expect, test } from "bun:test";
import { McpdError } from "../../src/util/errors.ts";
import { waitFor } from "../helpers/net.ts";
import { addUser, callTool, messages, openSession, rpc, world, type World } from "./harness.ts";

let w: World | null = null;
afterEach(async () => {
  await w?.cleanup();
  w = null;
});

const call = (id: number, name: string, args: unknown) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });

test("killing the service mid-request gives a clean JSON-RPC error; the next request works", async () => {
  w = await world({ flags: [] });
  const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
  const url = w.url(alice.id);
  const sid = await openSession(w.proxy, url);
  const h = { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" };

  // A streamed call: the stream is open when the service dies.
  const streaming = await w.proxy.fetch(rpc(url, call(7, "count", { n: 50, gapMs: 50 }), h), null);
  expect(streaming.status).toBe(200);
  const reader = streaming.body!.getReader();
  await reader.read();
  const dead = w.echo.kill();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  const last = JSON.parse(text.trim().split("\n").filter((l) => l.startsWith("data:")).at(-1)!.slice(5));
  expect(last).toMatchObject({ jsonrpc: "2.0", id: 7, error: { data: { code: "service-broke-off" } } });
  expect(last.error.message).toBe("service echo stopped before answering; try again");

  // The gate restarts the service; sessions died with it, so the client starts a new one.
  await dead;
  const again = await w.proxy.fetch(rpc(url, call(8, "whoami", {}), h), null);
  expect(again.status).toBe(404);
  const sid2 = await openSession(w.proxy, url);
  expect(JSON.parse((await callTool(w.proxy, url, sid2, "whoami")).result.content[0].text).user).toBe("alice");
  expect(w.echo.starts).toBe(2);
}, 30_000);

test("a request in flight when the service dies gets a 502 JSON-RPC error naming the service", async () => {
  w = await world({ flags: ["--stateless"] });
  const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
  const pending = w.proxy.fetch(rpc(w.url(alice.id), call(3, "sleep", { ms: 20_000 })), null);
  const sleeping = async () =>
    ((await (await fetch(`http://127.0.0.1:${w!.echo.port}/probe-stats`, { headers: { "x-mcpd-internal": w!.token } })).json()) as any).sleeping;
  await waitFor(async () => (await sleeping()) === 1, { what: "the call to reach the service" });
  w.echo.kill();
  const res = await pending;
  expect(res.status).toBe(502);
  expect(await res.json()).toEqual({
    jsonrpc: "2.0",
    id: 3,
    error: { code: -32002, message: "service echo closed the connection before answering (it may have crashed); try again", data: { code: "service-broke-off" } },
  });
}, 30_000);

test("a service that cannot be reached answers 503 within a bounded time, as JSON-RPC for JSON-RPC requests", async () => {
  w = await world();
  const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
  w.gate.acquire = async () => {
    throw new McpdError("service-unavailable", "service echo is restarting");
  };
  const t0 = performance.now();
  const res = await w.proxy.fetch(rpc(w.url(alice.id), call(4, "whoami", {})), null);
  expect(performance.now() - t0).toBeLessThan(1_000);
  expect(res.status).toBe(503);
  expect(res.headers.get("retry-after")).toBe("2");
  expect(await res.json()).toEqual({ jsonrpc: "2.0", id: 4, error: { code: -32002, message: "service echo is restarting", data: { code: "service-unavailable" } } });

  // A plain (non-JSON-RPC) request gets plain JSON.
  const plain = await w.proxy.fetch(new Request(w.url(alice.id, "/headers")), null);
  expect(await plain.json()).toEqual({ error: { code: "service-unavailable", message: "service echo is restarting" } });
});

test("a gate that says ready while nothing listens: 503 after one retry, not a hang", async () => {
  w = await world();
  const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
  await w.echo.stop();
  let asked = 0;
  w.gate.acquire = async () => (asked++, { port: w!.echo.port });
  const res = await w.proxy.fetch(rpc(w.url(alice.id), call(4, "whoami", {})), null);
  expect(res.status).toBe(503);
  expect(asked).toBe(2);
  expect(((await res.json()) as any).error.message).toContain("service echo is not accepting connections");
});

test("a service slower than upstreamTimeoutMs gets 504 naming the limit", async () => {
  w = await world({ service: { limits: { requestsPerMinute: 600, maxBodyBytes: 1_048_576, upstreamTimeoutMs: 300 } } });
  const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
  const t0 = performance.now();
  const res = await w.proxy.fetch(new Request(w.url(alice.id, "/slow?ms=5000")), null);
  expect(performance.now() - t0).toBeLessThan(2_000);
  expect(res.status).toBe(504);
  expect(((await res.json()) as any).error).toEqual({ code: "service-timeout", message: "service echo did not answer within 0.3 s (limits.upstreamTimeoutMs)" });
  // Under the limit is fine.
  expect(await (await w.proxy.fetch(new Request(w.url(alice.id, "/slow?ms=10")), null)).text()).toBe("finally");
});
