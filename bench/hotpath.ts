// What does each step of a proxied request cost on its own? The real store (10,000 users
// on a temp data dir), the real sealing code and src/proxy's own functions, one step at a
// time, in µs per call — so a regression in the request path can be pinned to the step
// that grew. Then the async plumbing a request goes through (timers, the streaming relay)
// and the whole proxy function against a loopback service, next to calling it direct.
//
//   bun run bench:hotpath [--quick]
import { join } from "node:path";
import { QUICK, machineLine } from "./lib/opts.ts";
import { runBench } from "./lib/procs.ts";
import { tempDir, writeDemoPorts } from "./lib/mcpd.ts";
import { demoKeyOf, instanceUrl, seedUsers } from "./lib/seed.ts";
import { fixed, int, table as textTable } from "./lib/table.ts";
import { openStore, type AuditEntry } from "../src/store/index.ts";
import { loadKeyring } from "../src/crypto/masterKey.ts";
import { associatedData, open } from "../src/crypto/seal.ts";
import { hashInstanceId } from "../src/accounts/instanceId.ts";
import { loadRegistry } from "../src/registry/load.ts";
import { createProxy, serveProxy } from "../src/proxy/index.ts";
import { parseRoute } from "../src/proxy/route.ts";
import { Resolver } from "../src/proxy/resolve.ts";
import { Credentials } from "../src/proxy/credential.ts";
import { RateLimiter } from "../src/proxy/rateLimit.ts";
import { peekRpc } from "../src/proxy/jsonrpc.ts";
import { SessionTable } from "../src/proxy/sessions.ts";
import { formatCredential, markStream, requestHeaders, responseHeaders } from "../src/proxy/headers.ts";
import { InstanceTable } from "../src/proxy/instanceTable.ts";
import { Metrics } from "../src/proxy/metrics.ts";
import { AuditWriter } from "../src/proxy/audit.ts";
import { finish } from "../src/proxy/context.ts";
import { relay } from "../src/proxy/stream.ts";
import { parseHead, type Head } from "../src/front/http1.ts";
import { Patterns, redactorOf } from "../src/redaction/index.ts";
import { Secret } from "../src/crypto/secret.ts";

const USERS = QUICK ? 1_000 : 10_000;
const ITERATIONS = QUICK ? 2_000 : 50_000;
const ASYNC_ITERATIONS = QUICK ? 500 : 10_000;
const E2E_REQUESTS = QUICK ? 300 : 5_000;
const SERVICE = { name: "demo", prefix: "demo" };
const ECHO_BODY = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "echo", arguments: { text: "hello from the bench" } } });
/** What the demo answers a tools/call with in a session: one SSE event, then the end (as the SDK sends it). */
const SSE_ANSWER = new TextEncoder().encode(
  'event: message\ndata: {"result":{"content":[{"type":"text","text":"hello from the bench"}]},"jsonrpc":"2.0","id":7}\n\n',
);

/** µs per call of `fn`, after a warm-up so the JIT has settled. */
function time(fn: (i: number) => unknown, iterations = ITERATIONS): number {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(i);
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < iterations; i++) fn(i);
  return (Bun.nanoseconds() - t0) / 1000 / iterations;
}

/** The same for an async step, awaited one at a time. */
async function timeAsync(fn: (i: number) => Promise<unknown>, iterations = ASYNC_ITERATIONS): Promise<number> {
  for (let i = 0; i < Math.min(200, iterations); i++) await fn(i);
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < iterations; i++) await fn(i);
  return (Bun.nanoseconds() - t0) / 1000 / iterations;
}

/** A one-event SSE body made the way a service's streaming answer arrives: a stream, not a buffer. */
const sseBody = () =>
  new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(SSE_ANSWER);
      c.close();
    },
  });

type Row = [string, number, string];

await runBench("bench:hotpath", QUICK ? 60_000 : 180_000, async () => {
  console.log(`# bench:hotpath — ${QUICK ? "quick smoke run" : "full run"}`);
  console.log(`# ${machineLine()}`);
  console.log(`# ${int(USERS)} users in a temp store; ${int(ITERATIONS)} calls per sync step, ${int(ASYNC_ITERATIONS)} per async step, in-process`);

  const dataDir = tempDir("hotpath");
  const ids = await seedUsers(dataDir, SERVICE, USERS);
  const store = openStore(join(dataDir, "mcpd.db"));
  const keyring = await loadKeyring(join(dataDir, "master.key"), { create: false, env: {} });
  const hashes = ids.map(hashInstanceId);
  const rows = hashes.map((h) => store.instances.findByHash(h)!);
  const pick = <T>(xs: T[], i: number) => xs[(i * 7919) % xs.length]!;

  // ---- the store and the sealing, uncached ----
  const storeSteps: Row[] = [];
  storeSteps.push(["sha256 of the instance id (hashInstanceId)", time((i) => hashInstanceId(pick(ids, i))), "per request, also on a cache hit"]);
  storeSteps.push(["instance row, SQLite prepared (findByHash)", time((i) => store.instances.findByHash(pick(hashes, i))), `${int(USERS)} rows; a cache miss only`]);
  storeSteps.push(["credential row, SQLite prepared (credentials.get)", time((i) => store.credentials.get(pick(rows, i).userId, SERVICE.name)), "a cache miss only"]);
  const sealed = rows.map((r) => store.credentials.get(r.userId, SERVICE.name)!);
  storeSteps.push([
    "open sealed key (XChaCha20-Poly1305, libsodium)",
    time((i) => {
      const r = pick(rows, i);
      return open(keyring, pick(sealed, i), associatedData(r.userId, SERVICE.name));
    }),
    "a cache miss only",
  ]);
  const auditRow = (i: number): AuditEntry => ({ ts: Date.now(), userId: "u00001", service: SERVICE.name, instance: "demo_u00001_abcdef12", method: "tools/call", tool: "echo", status: 200, latencyMs: 1.2, bytesIn: 120, bytesOut: 200, event: i < 0 ? "x" : null });
  const auditIterations = QUICK ? 200 : 2_000;
  storeSteps.push(["audit write, 1 row per transaction", time((i) => store.audit.append([auditRow(i)]), auditIterations), "per row (what batching avoids)"]);
  const batch = Array.from({ length: 500 }, (_, i) => auditRow(i));
  storeSteps.push(["audit write, 500 rows per transaction", time(() => store.audit.append(batch), Math.max(4, auditIterations / 50)) / batch.length, "per row, AuditWriter's batch size"]);

  // ---- src/proxy's own steps, in handle.ts order, warm caches as a busy session sees them ----
  const now = Date.now;
  const instances = new InstanceTable();
  const resolver = new Resolver(store, instances);
  const credentials = new Credentials(store, keyring, now, instances);
  const limiter = new RateLimiter(instances, now);
  const sessions = new SessionTable(now);
  const metrics = new Metrics(now, (s) => sessions.countFor(s), instances);
  const audit = new AuditWriter(store);
  const sinks = { audit, metrics };
  const sids = ids.map(() => crypto.randomUUID());
  const refs = rows.map((r) => r.ref);
  ids.forEach((_, i) => sessions.bind(SERVICE.name, sids[i]!, refs[i]!));
  const resolved = ids.map((id) => {
    const r = resolver.resolve(id, SERVICE.name);
    if (!r.ok) throw new Error(`the bench's instance did not resolve: ${r.message}`);
    return r.instance;
  });
  resolved.forEach((instance) => credentials.get(instance));
  const urls = ids.map((id) => instanceUrl("http://127.0.0.1:8080", id, SERVICE.name));
  const bodyBytes = new TextEncoder().encode(ECHO_BODY);
  const incoming = new Headers({
    host: "127.0.0.1:8080",
    "user-agent": "mcp-client/1.0",
    accept: "application/json, text/event-stream",
    "content-type": "application/json",
    "content-length": String(bodyBytes.byteLength),
    "mcp-session-id": sids[0]!,
    "mcp-protocol-version": "2025-06-18",
    connection: "keep-alive",
    "x-mcpd-user": "forged",
    "x-demo-key": "forged",
  });
  const upstream = new Headers({
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
    "mcp-session-id": sids[0]!,
    date: new Date().toUTCString(),
    "transfer-encoding": "chunked",
  });

  const proxySteps: Row[] = [];
  proxySteps.push(["URL + parseRoute", time((i) => parseRoute(new URL(pick(urls, i)).pathname)), "route.ts"]);
  proxySteps.push(["Resolver.resolve, cached", time((i) => resolver.resolve(pick(ids, i), SERVICE.name)), "resolve.ts: sha256 + InstanceTable"]);
  proxySteps.push(["RateLimiter.take", time((i) => limiter.take(pick(resolved, i).row, 6000, 1000)), "rateLimit.ts"]);
  proxySteps.push(["peekRpc (decode + JSON.parse of the body)", time(() => peekRpc(bodyBytes, "application/json")), `jsonrpc.ts, ${bodyBytes.byteLength} B body`]);
  proxySteps.push(["SessionTable.check", time((i) => sessions.check(SERVICE.name, pick(sids, i), pick(refs, i))), "sessions.ts"]);
  proxySteps.push(["Credentials.get, cached", time((i) => credentials.get(pick(resolved, i))), "credential.ts: InstanceTable row + TTL"]);
  proxySteps.push([
    "requestHeaders + formatCredential",
    time((i) =>
      requestHeaders(incoming, {
        credentialHeader: "X-Demo-Key",
        credentialValue: formatCredential("{secret}", demoKeyOf(pick(rows, i).userId)),
        userId: pick(rows, i).userId,
        instanceRef: pick(refs, i),
        internalToken: "internal-token",
      }),
    ),
    "headers.ts, 10 headers in",
  ]);
  proxySteps.push([
    "responseHeaders + markStream",
    time(() => {
      const h = responseHeaders(upstream, { keepLength: false });
      markStream(h);
      return h;
    }),
    "headers.ts",
  ]);
  proxySteps.push([
    "finish: Metrics.record + AuditWriter.push",
    time((i) =>
      finish(
        { ts: Date.now(), t0: performance.now(), service: SERVICE.name, instance: pick(resolved, i), rpc: { method: "tools/call", tool: "echo", ids: [7], batch: false, calls: 1, tools: ["echo"], listIds: [], partial: false }, bytesIn: 150 },
        { status: 200, bytesOut: 140 },
        sinks,
      ),
    ),
    "context.ts; rows written later, in batches",
  ]);
  audit.close();

  // ---- the front's lane (src/front + fastLane.ts): the same request as raw bytes ----
  const laneSteps = laneRows(store, keyring, ids, bodyBytes);

  // ---- the async plumbing every forwarded request goes through ----
  const asyncSteps: Row[] = [];
  asyncSteps.push(["await of a resolved promise (the unit)", await timeAsync(() => Promise.resolve()), "for scale"]);
  asyncSteps.push([
    "AbortController + timer + signal listener (forward.ts)",
    await timeAsync(async () => {
      const ac = new AbortController();
      const client = new AbortController();
      const timer = setTimeout(() => ac.abort(), 30_000);
      const onAbort = () => ac.abort();
      client.signal.addEventListener("abort", onAbort, { once: true });
      await Promise.resolve();
      clearTimeout(timer);
    }),
    "per request, set and cleared",
  ]);
  asyncSteps.push([
    "Promise.race with a timeout timer (handle.ts reach/withTimeout)",
    await timeAsync(async () => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([Promise.resolve({ port: 1 }), new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error("x")), 15_000)))]).finally(() => clearTimeout(timer));
    }),
    "per request, around gate.acquire",
  ]);

  // ---- the whole path over loopback sockets, peeled one layer at a time ----
  const e2e = await layers(dataDir, store, keyring, ids[0]!, rows[0]!.userId);
  store.close();

  const all: Row[] = [...storeSteps, ...proxySteps, ...laneSteps, ...asyncSteps, ...e2e];
  const fmt = (r: Row[]) => r.map(([name, us, note]) => [name, fixed(us, 2), Number.isFinite(us) && us > 0 ? int(1e6 / us) : "-", note]);
  const head = ["step", "µs/call", "calls/s (1 core)", "note"];
  const table = (h: string[], rows: string[][]) => textTable(h, rows, { left: [0, 3] });
  console.log("");
  console.log("store and sealing (uncached: what a cache miss costs)");
  console.log(table(head, fmt(storeSteps)));
  console.log("");
  console.log("src/proxy's own steps, warm caches (a busy session)");
  console.log(table(head, fmt(proxySteps)));
  console.log("");
  console.log("the front's lane: what a request the front carries itself costs in JavaScript, warm caches");
  console.log(table(head, fmt(laneSteps)));
  console.log("");
  console.log("async plumbing per forwarded request (the full path's; the lane has none)");
  console.log(table(head, fmt(asyncSteps)));
  console.log("");
  console.log(`the whole path over loopback, one layer at a time (${int(E2E_REQUESTS)} sequential requests each, client, proxy and service all in this process)`);
  console.log(table(head, fmt(e2e)));
  console.log("");
  const syncSum = proxySteps.reduce((s, [, us]) => s + us, 0);
  const [direct, passThrough, relayed, full, mcpd] = e2e.map(([, us]) => us) as [number, number, number, number, number];
  console.log(
    `per request: the full path's sync steps ${fixed(syncSum, 1)} µs, the lane's ${fixed(laneSteps.at(-1)![1], 1)} µs; a Bun fetch-forwarding proxy at its simplest ${fixed(passThrough - direct, 1)} µs ` +
      `(relay() on top ${fixed(relayed - passThrough, 1)} µs); mcpd's full path ${fixed(full - direct, 1)} µs over direct; mcpd through its front (the lane) ${fixed(mcpd - direct, 1)} µs over direct`,
  );
  console.log("(µs are wall time of one request at a time in one process, so they add up as CPU; bench:proxy measures the real daemon's CPU from /proc under load)");
});

/**
 * One request at a time through each layer a proxied request adds, all on loopback
 * sockets in this process (so wall time is CPU time): the service direct; a Bun.serve
 * front that forwards with fetch and passes the answer's body on as is (the floor for any
 * proxy on this stack); the same front with the body through src/proxy's relay(); and
 * src/proxy itself (createProxy + serveProxy). The service is a stand-in answering every
 * POST with the demo's one-event SSE answer, so the layers, not the tool, are measured.
 */
async function layers(dataDir: string, store: ReturnType<typeof openStore>, keyring: Awaited<ReturnType<typeof loadKeyring>>, instanceId: string, userId: string): Promise<Row[]> {
  const service = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      await req.arrayBuffer();
      return new Response(sseBody(), { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
    },
  });
  const serviceUrl = `http://127.0.0.1:${service.port}/mcp`;
  const front = (viaRelay: boolean) =>
    Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const res = await fetch(serviceUrl, { method: "POST", headers: req.headers, body: await req.bytes(), decompress: false });
        const body = viaRelay ? relay(res.body!, { sse: true, onCancel() {}, onEnd() {} }) : res.body;
        return new Response(body, { status: res.status, headers: res.headers });
      },
    });
  const plain = front(false);
  const relaying = front(true);
  const portsDir = join(dataDir, "ports");
  writeDemoPorts(portsDir, [{ ...SERVICE, port: service.port! }]);
  const proxy = createProxy({
    registry: loadRegistry(portsDir),
    store,
    changes: store.watch(),
    keyring,
    tokenFor: () => "internal-token",
    gate: { acquire: async () => ({ port: service.port! }), state: () => "healthy" },
  });
  const mcpd = serveProxy(proxy, { host: "127.0.0.1", port: 0 });
  try {
    const headers = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-06-18" };
    const withKey = { ...headers, "x-demo-key": demoKeyOf(userId), "x-mcpd-internal": "internal-token" };
    const call = (url: string, h: Record<string, string>) => async () => {
      const res = await fetch(url, { method: "POST", headers: h, body: ECHO_BODY });
      const bytes = await res.bytes();
      if (res.status !== 200 || bytes.byteLength === 0) throw new Error(`${url} answered ${res.status}`);
    };
    const rows: Row[] = [];
    const direct = await timeAsync(call(serviceUrl, withKey), E2E_REQUESTS);
    rows.push(["service direct", direct, "fetch on a keep-alive connection"]);
    const p = await timeAsync(call(`http://127.0.0.1:${plain.port}/mcp`, withKey), E2E_REQUESTS);
    rows.push(["+ Bun.serve front, fetch, body passed as is", p, `+${fixed(p - direct, 1)} µs: the floor for a proxy on Bun`]);
    const r = await timeAsync(call(`http://127.0.0.1:${relaying.port}/mcp`, withKey), E2E_REQUESTS);
    rows.push(["+ the same with the body through relay()", r, `+${fixed(r - p, 1)} µs over passing it as is`]);
    // An Origin (loopback, so allowed) makes the front hand the request to the full path.
    const f = await timeAsync(call(instanceUrl(`http://127.0.0.1:${mcpd.port}`, instanceId, SERVICE.name), { ...headers, origin: "http://localhost:1" }), E2E_REQUESTS);
    rows.push(["mcpd, full path (front → Bun.serve → fetch)", f, `+${fixed(f - direct, 1)} µs over direct`]);
    const m = await timeAsync(call(instanceUrl(`http://127.0.0.1:${mcpd.port}`, instanceId, SERVICE.name), headers), E2E_REQUESTS);
    rows.push(["mcpd, the front's lane (serveProxy)", m, `+${fixed(m - direct, 1)} µs over direct`]);
    return rows;
  } finally {
    await proxy.close();
    await Promise.all([mcpd.stop(true), plain.stop(true), relaying.stop(true), service.stop(true)]);
  }
}

/**
 * The lane's JavaScript for one request, step by step: reading the client's head, the
 * proxy's decision and rewrite (fastLane.ts plan: route, epoch, instance, session,
 * credential, rate limit, peekRpc, the service's head), reading the service's head and
 * writing the client's, and the exchange's end (metrics, queued audit row).
 */
function laneRows(store: ReturnType<typeof openStore>, keyring: Awaited<ReturnType<typeof loadKeyring>>, ids: string[], body: Uint8Array): Row[] {
  const portsDir = join(tempDir("hotpath-lane"), "ports");
  writeDemoPorts(portsDir, [{ ...SERVICE, port: 45_999 }]);
  const registry = loadRegistry(portsDir);
  const proxy = createProxy({ registry, store, changes: store.watch(), keyring, tokenFor: () => "internal-token", gate: { acquire: async () => ({ port: 45_999 }), state: () => "healthy" } });
  const n = Math.min(ids.length, 1_000);
  const heads = ids.slice(0, n).map((id) =>
    Buffer.concat([
      Buffer.from(
        `POST /${id}/${SERVICE.name}/mcp HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: mcp-client/1.0\r\nAccept: application/json, text/event-stream\r\n` +
          `Content-Type: application/json\r\nMCP-Protocol-Version: 2025-06-18\r\nConnection: keep-alive\r\nContent-Length: ${body.byteLength}\r\n\r\n`,
      ),
      body,
    ]),
  );
  const answer = Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ndate: ${new Date().toUTCString()}\r\ncontent-length: 140\r\n\r\n`);
  const parsed = heads.map((h) => parseHead(h, "request") as Head);
  const resHead = parseHead(answer, "response") as Head;
  const pick = <T>(xs: T[], i: number) => xs[(i * 7919) % xs.length]!;
  const plan = (i: number) => {
    const h = pick(parsed, i);
    return proxy.lane.plan(h, pick(heads, i).subarray(h.size))!;
  };
  if (!plan(0)) throw new Error("the lane declined the bench's request");
  const rows: Row[] = [];
  rows.push(["parseHead, the client's request", time((i) => parseHead(pick(heads, i), "request")), "http1.ts, 7 header lines"]);
  rows.push(["lane.plan: admit and rewrite", time((i) => plan(i)), "fastLane.ts, the handle.ts steps on raw fields"]);
  const ex = plan(0);
  rows.push(["parseHead, the service's answer", time(() => parseHead(answer, "response")), "http1.ts"]);
  rows.push(["exchange.answer: the client's head", time(() => ex.answer(resHead)), "headers.ts responseLines"]);
  rows.push(["exchange.end: metrics + queued audit row", time(() => ex.end({ status: 200, bytesOut: 140, event: null, error: false })), "context.ts finish"]);
  // Redaction (src/redaction): what each answer costs to search for the user's own key.
  const secret = new Secret(demoKeyOf("u00001"));
  const kb = (n: number, withKey: boolean) => {
    const filler = Buffer.alloc(n * 1024 - (withKey ? 40 : 0), "a").toString();
    return Buffer.from(withKey ? `${filler.slice(0, 100)} ${secret.reveal()} ${filler.slice(100)}`.slice(0, n * 1024) : filler);
  };
  const [kb1, kb16, kb1key] = [kb(1, false), kb(16, false), kb(1, true)];
  rows.push(["redaction: patterns of a newly opened key", time(() => Patterns.of([secret.reveal()])), "secretForms; once per opened key, not per request"]);
  const patterns = Patterns.of([secret.reveal()]);
  const scan = (bytes: Buffer) => time(() => {
    const r = redactorOf(patterns)!;
    r.push(bytes);
    r.flush();
  });
  const setup = time(() => redactorOf(patterns));
  rows.push(["redaction: scan 1 KB, no key in it", scan(kb1) - setup, "per KB of answer"]);
  rows.push(["redaction: scan 16 KB, no key in it, per KB", (scan(kb16) - setup) / 16, "per KB of answer"]);
  rows.push(["redaction: 1 KB with the key in it", scan(kb1key) - setup, "found and replaced"]);
  const answerBody = Buffer.from(SSE_ANSWER);
  rows.push([
    "all of it, one request",
    time((i) => {
      const h = parseHead(pick(heads, i), "request") as Head;
      const e = proxy.lane.plan(h, pick(heads, i).subarray(h.size))!;
      e.answer(parseHead(answer, "response") as Head);
      e.transform?.push(answerBody);
      e.transform?.flush();
      e.end({ status: 200, bytesOut: 140, event: null, error: false });
    }),
    "vs the full path's sync steps above",
  ]);
  void proxy.close();
  return rows;
}
