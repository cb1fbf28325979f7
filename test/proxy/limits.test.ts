import { afterEach, expect, test } from "bun:test";
import { addUser, INIT, rpc, world, type World } from "./harness.ts";

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

test("over the rate limit: 429 with Retry-After, per instance", async () => {
  w = await world({ service: { limits: { requestsPerMinute: 60, burst: 3, maxBodyBytes: 1_048_576, upstreamTimeoutMs: 30_000 } } });
  const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
  const bob = addUser(w.store, w.keyring, "bob", w.service, "k2");
  const statuses: number[] = [];
  let limited: Response | null = null;
  for (let i = 0; i < 4; i++) {
    const r = await w.proxy.fetch(rpc(w.url(alice.id), INIT), null);
    statuses.push(r.status);
    if (r.status === 429) limited = r;
    else await r.body?.cancel();
  }
  expect(statuses).toEqual([200, 200, 200, 429]);
  expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  const body = (await limited!.json()) as any;
  expect(body).toMatchObject({ jsonrpc: "2.0", error: { data: { code: "rate-limited" } } });
  expect(body.error.message).toContain(alice.ref);
  // Bob has his own bucket.
  expect((await w.proxy.fetch(rpc(w.url(bob.id), INIT), null)).status).toBe(200);
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
