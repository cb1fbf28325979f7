import { afterEach, describe, expect, test } from "bun:test";
import { McpdError } from "../../src/util/errors.ts";
import { waitFor } from "../helpers/net.ts";
import { addUser, callTool, messages, openSession, reach, rpc, world, type Via, type World } from "./harness.ts";

const call = (id: number, name: string, args: unknown) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });

// Each case runs on the full path and through the bound front, whose lane carries the
// common request itself: a failure must look the same either way.
describe.each(["function", "front"] as Via[])("via %s", (via) => {
  let w: World | null = null;
  let unbind: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await unbind?.();
    unbind = null;
    await w?.cleanup();
    w = null;
  });

  /** The world's proxy, reached the way this block says. */
  const proxyOf = (world: World) => {
    const r = reach(world, via);
    unbind = r.close;
    return r.proxy;
  };

  test("killing the service mid-request gives a clean JSON-RPC error; the next request works", async () => {
    w = await world({ flags: [] });
    const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
    const p = proxyOf(w);
    const url = w.url(alice.id);
    const sid = await openSession(p, url);
    const h = { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" };

    // A streamed call: the stream is open when the service dies.
    const streaming = await p.fetch(rpc(url, call(7, "count", { n: 50, gapMs: 50 }), h), null);
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
    const again = await p.fetch(rpc(url, call(8, "whoami", {}), h), null);
    expect(again.status).toBe(404);
    const sid2 = await openSession(p, url);
    expect(JSON.parse((await callTool(p, url, sid2, "whoami")).result.content[0].text).user).toBe("alice");
    expect(w.echo.starts).toBe(2);
  }, 30_000);

  test("a request in flight when the service dies gets a 502 JSON-RPC error naming the service", async () => {
    w = await world({ flags: ["--stateless"] });
    const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
    const p = proxyOf(w);
    const pending = p.fetch(rpc(w.url(alice.id), call(3, "sleep", { ms: 20_000 })), null);
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
    const p = proxyOf(w);
    w.gate.acquire = async () => {
      throw new McpdError("service-unavailable", "service echo is restarting");
    };
    const t0 = performance.now();
    const res = await p.fetch(rpc(w.url(alice.id), call(4, "whoami", {})), null);
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(await res.json()).toEqual({ jsonrpc: "2.0", id: 4, error: { code: -32002, message: "service echo is restarting", data: { code: "service-unavailable" } } });

    // A plain (non-JSON-RPC) request gets plain JSON.
    const plain = await p.fetch(new Request(w.url(alice.id, "/headers")), null);
    expect(await plain.json()).toEqual({ error: { code: "service-unavailable", message: "service echo is restarting" } });
  });

  test("a gate that says ready while nothing listens: 503 after one retry, not a hang", async () => {
    w = await world();
    const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
    const p = proxyOf(w);
    await w.echo.stop();
    let asked = 0;
    // Settled at once, as the supervisor answers for a healthy service: the lane takes it first.
    w.gate.acquire = () => (asked++, Promise.resolve({ port: w!.echo.port }));
    const res = await p.fetch(rpc(w.url(alice.id), call(4, "whoami", {})), null);
    expect(res.status).toBe(503);
    // The full path asks twice (a retry after the refusal); through the front, the lane asked first.
    expect(asked).toBe(via === "front" ? 3 : 2);
    expect(((await res.json()) as any).error.message).toContain("service echo is not accepting connections");
  });

  test("a service slower than upstreamTimeoutMs gets 504 naming the limit", async () => {
    w = await world({ service: { limits: { requestsPerMinute: 600, maxBodyBytes: 1_048_576, upstreamTimeoutMs: 300 } } });
    const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
    const p = proxyOf(w);
    const t0 = performance.now();
    const res = await p.fetch(new Request(w.url(alice.id, "/slow?ms=5000")), null);
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(res.status).toBe(504);
    expect(((await res.json()) as any).error).toEqual({ code: "service-timeout", message: "service echo did not answer within 0.3 s (limits.upstreamTimeoutMs)" });
    // Under the limit is fine.
    expect(await (await p.fetch(new Request(w.url(alice.id, "/slow?ms=10")), null)).text()).toBe("finally");
  });

  test("a tool call slower than upstreamTimeoutMs gets a JSON-RPC 504 for its id", async () => {
    w = await world({ flags: ["--stateless"], service: { limits: { requestsPerMinute: 600, maxBodyBytes: 1_048_576, upstreamTimeoutMs: 300 } } });
    const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
    const p = proxyOf(w);
    const res = await p.fetch(rpc(w.url(alice.id), call(9, "sleep", { ms: 5_000 })), null);
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({
      jsonrpc: "2.0",
      id: 9,
      error: { code: -32004, message: "service echo did not answer within 0.3 s (limits.upstreamTimeoutMs)", data: { code: "service-timeout" } },
    });
    // The next call on the same instance works.
    const [ok] = await messages(await p.fetch(rpc(w.url(alice.id), call(10, "whoami", {})), null));
    expect(JSON.parse(ok.result.content[0].text).user).toBe("alice");
  });
});
