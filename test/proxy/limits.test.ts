import { afterEach, expect, test } from "bun:test";
import { addUser, INIT, openSession, rpc, world, type World } from "./harness.ts";

let w: World | null = null;
afterEach(async () => {
  await w?.cleanup();
  w = null;
});

test("a body over maxBodyBytes gets 413, whether declared or streamed", async () => {
  w = await world({ service: { limits: { requestsPerMinute: 600, maxBodyBytes: 1024, upstreamTimeoutMs: 30_000 } } });
  const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
  const big = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "whoami", arguments: { pad: "x".repeat(2000) } } });

  const declared = await w.proxy.fetch(new Request(w.url(alice.id), { method: "POST", headers: { "content-type": "application/json" }, body: big }), null);
  expect(declared.status).toBe(413);
  expect(((await declared.json()) as any).error.data.code).toBe("body-too-large");

  // No Content-Length: the proxy counts as the body streams in.
  const bytes = new TextEncoder().encode(big);
  const chunked = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bytes.length; i += 100) c.enqueue(bytes.subarray(i, i + 100));
      c.close();
    },
  });
  const streamed = await w.proxy.fetch(new Request(w.url(alice.id), { method: "POST", headers: { "content-type": "application/json" }, body: chunked }), null);
  expect(streamed.status).toBe(413);

  // Under the limit passes.
  const ok = await w.proxy.fetch(rpc(w.url(alice.id), INIT), null);
  expect(ok.status).toBe(200);
});

const call = (url: string, sid: string, id: number) => rpc(url, { jsonrpc: "2.0", id, method: "tools/call", params: { name: "whoami", arguments: {} } }, { "mcp-session-id": sid });

test("calls over the rate limit: 429 with Retry-After, per instance; protocol traffic does not count against it", async () => {
  w = await world({ service: { limits: { requestsPerMinute: 60, burst: 3, maxBodyBytes: 1_048_576, upstreamTimeoutMs: 30_000 } } });
  const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
  const bob = addUser(w.store, w.keyring, "bob", w.service, "k2");
  // Initialize, notifications and pings are protocol traffic: many of them, and still all three calls get through.
  const sid = await openSession(w.proxy, w.url(alice.id));
  for (let i = 0; i < 10; i++) expect((await w.proxy.fetch(rpc(w.url(alice.id), { jsonrpc: "2.0", id: 100 + i, method: "ping" }, { "mcp-session-id": sid }), null)).status).toBe(200);
  const statuses: number[] = [];
  let limited: Response | null = null;
  for (let i = 0; i < 4; i++) {
    const r = await w.proxy.fetch(call(w.url(alice.id), sid, i + 1), null);
    statuses.push(r.status);
    if (r.status === 429) limited = r;
    else await r.body?.cancel();
  }
  expect(statuses).toEqual([200, 200, 200, 429]);
  expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  const body = (await limited!.json()) as any;
  expect(body).toMatchObject({ jsonrpc: "2.0", id: 4, error: { data: { code: "rate-limited" } } });
  expect(body.error.message).toBe(`instance ${alice.ref} is over 60 calls per minute; retry in 1 s`);
  // Bob has his own bucket.
  const bobSid = await openSession(w.proxy, w.url(bob.id));
  expect((await w.proxy.fetch(call(w.url(bob.id), bobSid, 1), null)).status).toBe(200);
});

test("a burst of 2,000 pings is refused with 429 past the protocol budget, and the call budget is untouched", async () => {
  w = await world({ service: { limits: { requestsPerMinute: 60, burst: 3, maxBodyBytes: 1_048_576, upstreamTimeoutMs: 30_000 } } });
  const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
  const sid = await openSession(w.proxy, w.url(alice.id));
  const t0 = Date.now();
  const statuses = await Promise.all(
    Array.from({ length: 2_000 }, async (_, i) => {
      const r = await w!.proxy.fetch(rpc(w!.url(alice.id), { jsonrpc: "2.0", id: i, method: "ping" }, { "mcp-session-id": sid }), null);
      await r.body?.cancel();
      return r.status;
    }),
  );
  const seconds = (Date.now() - t0) / 1000;
  const ok = statuses.filter((s) => s === 200).length;
  // The protocol burst (1,000) and what 6,000 a minute refills while the burst runs, no more.
  expect(ok).toBeLessThanOrEqual(1_000 + Math.ceil(seconds * 100) + 1);
  expect(statuses.filter((s) => s === 429).length).toBe(2_000 - ok);
  expect(ok).toBeLessThan(1_500);
  for (let i = 0; i < 3; i++) expect((await w.proxy.fetch(call(w.url(alice.id), sid, i), null)).status).toBe(200);
});

test("limits.callsPerDay: past the quota a call gets 429 saying when the count resets; pings still pass", async () => {
  w = await world({ service: { limits: { requestsPerMinute: 6_000, callsPerDay: 2, maxBodyBytes: 1_048_576, upstreamTimeoutMs: 30_000 } } });
  const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
  const sid = await openSession(w.proxy, w.url(alice.id));
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await w.proxy.fetch(call(w.url(alice.id), sid, i), null)).status);
  expect(statuses).toEqual([200, 200, 429]);
  const over = (await (await w.proxy.fetch(call(w.url(alice.id), sid, 9), null)).json()) as any;
  const midnight = new Date(Math.ceil(Date.now() / 86_400_000) * 86_400_000).toISOString();
  expect(over.error.message).toBe(`instance ${alice.ref} has used its 2 calls for today (limits.callsPerDay); the count resets at ${midnight}`);
  expect((await w.proxy.fetch(rpc(w.url(alice.id), { jsonrpc: "2.0", id: 10, method: "ping" }, { "mcp-session-id": sid }), null)).status).toBe(200);
});

test("a browser origin not on the allow list is refused; loopback and listed origins pass", async () => {
  w = await world({ proxy: { allowedOrigins: ["https://claude.example"] } });
  const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
  const withOrigin = (origin: string) => rpc(w!.url(alice.id), INIT, { origin });

  const evil = await w.proxy.fetch(withOrigin("http://evil.example:8080"), null);
  expect(evil.status).toBe(403);
  expect(((await evil.json()) as any).error.data.code).toBe("origin-refused");
  expect((await w.proxy.fetch(withOrigin("null"), null)).status).toBe(403);

  const local = await w.proxy.fetch(withOrigin("http://localhost:6274"), null);
  expect(local.status).toBe(200);
  expect(local.headers.get("access-control-allow-origin")).toBe("http://localhost:6274");
  expect(local.headers.get("access-control-expose-headers")).toContain("mcp-session-id");
  expect((await w.proxy.fetch(withOrigin("https://claude.example"), null)).status).toBe(200);

  const pre = await w.proxy.fetch(
    new Request(w.url(alice.id), { method: "OPTIONS", headers: { origin: "http://127.0.0.1:3000", "access-control-request-method": "POST" } }),
    null,
  );
  expect(pre.status).toBe(204);
  expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
});

test("a path that is not an instance URL gets a 404 that says what to use", async () => {
  w = await world();
  for (const path of ["/", "/health", "/only-one-segment"]) {
    const r = await w.proxy.fetch(new Request(`http://mcpd.test${path}`), null);
    expect(r.status).toBe(404);
    expect(((await r.json()) as any).error.message).toContain("/{instanceId}/{service}/mcp");
  }
});
