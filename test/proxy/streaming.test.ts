import { afterEach, expect, test } from "bun:test";
import type { Front } from "../../src/front/index.ts";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { serveProxy } from "../../src/proxy/index.ts";
import { waitFor } from "../helpers/net.ts";
import { addUser, fingerprint, messages, rpc, world, type World } from "./harness.ts";

let w: World | null = null;
let server: Front | null = null;
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  server?.stop(true);
  server = null;
  await w?.cleanup();
  w = null;
});

/** The proxy bound on a real port, as `mcpd start` binds it. */
async function bound(flags: string[] = [], transport: "streamable-http" | "sse" = "streamable-http") {
  const limits = { requestsPerMinute: 1_000_000, maxBodyBytes: 1_048_576, upstreamTimeoutMs: 30_000 };
  w = await world({ flags, service: { transport, limits } });
  server = serveProxy(w.proxy, { host: "127.0.0.1", port: 0 });
  return { w, base: `http://127.0.0.1:${server.port}` };
}

test("the SDK client connects through an instance URL over Streamable HTTP", async () => {
  const { w, base } = await bound();
  const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
  const client = new Client({ name: "t", version: "1" });
  clients.push(client);
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/${alice.id}/echo/mcp`)));
  expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(["count", "sleep", "whoami"]);
  const r = (await client.callTool({ name: "whoami", arguments: {} })) as any;
  expect(JSON.parse(r.content[0].text)).toEqual({ user: "alice", instance: alice.ref, fingerprint: fingerprint("key-of-alice") });

  const logs: string[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(String(n.params.data)));
  const counted = (await client.callTool({ name: "count", arguments: { n: 3, gapMs: 10 } })) as any;
  expect(counted.content[0].text).toBe("counted 3");
  expect(logs).toEqual(["tick 1", "tick 2", "tick 3"]);
});

test("the SDK client connects through an instance URL over legacy HTTP+SSE; the endpoint stays under the instance", async () => {
  const { w, base } = await bound(["--legacy"], "sse");
  const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
  const posted: string[] = [];
  const client = new Client({ name: "t", version: "1" });
  clients.push(client);
  await client.connect(
    new SSEClientTransport(new URL(`${base}/${alice.id}/echo/sse`), {
      fetch: (url, init) => (posted.push(String(url)), fetch(url, init)),
    }),
  );
  const r = (await client.callTool({ name: "whoami", arguments: {} })) as any;
  expect(JSON.parse(r.content[0].text)).toEqual({ user: "alice", instance: alice.ref, fingerprint: fingerprint("key-of-alice") });
  const post = posted.find((u) => u.includes("/messages"))!;
  expect(post.startsWith(`${base}/${alice.id}/echo/messages?sessionId=`)).toBe(true);

  // The legacy sessionId is bound to alice's instance too.
  const mallory = addUser(w.store, w.keyring, "mallory", w.service, "key-of-mallory");
  const stolen = new URL(post).search;
  const res = await fetch(`${base}/${mallory.id}/echo/messages${stolen}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "whoami", arguments: {} } }),
  });
  expect(res.status).toBe(404);
});

test("streamed events arrive one by one, before the tool finishes", async () => {
  const { w, base } = await bound();
  const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
  const url = `${base}/${alice.id}/echo/mcp`;
  const init = await fetch(rpc(url, { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } }));
  const sid = init.headers.get("mcp-session-id")!;
  await init.text();
  const h = { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" };
  await (await fetch(rpc(url, { jsonrpc: "2.0", method: "notifications/initialized" }, h))).text();

  const gapMs = 200;
  const t0 = performance.now();
  const res = await fetch(rpc(url, { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "count", arguments: { n: 4, gapMs } } }, h));
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  expect(res.headers.get("x-accel-buffering")).toBe("no");
  expect(res.headers.get("cache-control")).toBe("no-cache, no-transform");
  const arrivals: Array<{ at: number; text: string }> = [];
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) arrivals.push({ at: performance.now() - t0, text: decoder.decode(r.value) });
  const ticks = arrivals.filter((a) => a.text.includes("tick"));
  const result = arrivals.find((a) => a.text.includes("counted 4"))!;
  expect(ticks.length).toBe(4);
  // Each tick came in its own read, spaced by the tool's pace, and well before the result.
  for (let i = 1; i < ticks.length; i++) expect(ticks[i]!.at - ticks[i - 1]!.at).toBeGreaterThan(gapMs / 2);
  expect(result.at - ticks[0]!.at).toBeGreaterThan(3 * gapMs * 0.75);
});

test("the stateless revision passes through: no session, MCP-Protocol-Version/Mcp-Method/Mcp-Name on every request", async () => {
  const { w, base } = await bound(["--stateless"]);
  const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
  const h = { "mcp-protocol-version": "2025-06-18", "mcp-method": "tools/call", "mcp-name": "whoami" };
  const res = await fetch(rpc(`${base}/${alice.id}/echo/mcp`, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "whoami", arguments: {} } }, h));
  expect(res.status).toBe(200);
  expect(res.headers.get("mcp-session-id")).toBeNull();
  const [msg] = await messages(res);
  expect(JSON.parse(msg.result.content[0].text).user).toBe("alice");
});

test("a client that goes away cancels the upstream stream, every time", async () => {
  const { w, base } = await bound();
  const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
  const stats = async () =>
    (await (await fetch(`http://127.0.0.1:${w.echo.port}/probe-stats`, { headers: { "x-mcpd-internal": w.token } })).json()) as { opened: number; cancelled: number; sleeping: number };
  const N = 200;
  for (let batch = 0; batch < N / 20; batch++) {
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const ac = new AbortController();
        const res = await fetch(`${base}/${alice.id}/echo/probe`, { signal: ac.signal });
        expect(res.status).toBe(200);
        const reader = res.body!.getReader();
        await reader.read();
        ac.abort();
        await reader.cancel().catch(() => {});
      }),
    );
  }
  await waitFor(async () => (await stats()).cancelled === N, { what: `all ${N} upstream streams cancelled`, timeoutMs: 15_000 });
  expect(await stats()).toMatchObject({ opened: N, cancelled: N });
}, 30_000);

test("a quiet stream gets keep-alive comments through the bound proxy and stays open", async () => {
  const limits = { requestsPerMinute: 1_000, maxBodyBytes: 1_048_576, upstreamTimeoutMs: 30_000 };
  w = await world({ flags: ["--legacy"], service: { transport: "sse", limits }, proxy: { keepaliveMs: 150 } });
  server = serveProxy(w.proxy, { host: "127.0.0.1", port: 0 });
  const alice = addUser(w.store, w.keyring, "alice", w.service, "k");
  // A legacy stream sends its endpoint event, then nothing until a request comes.
  const res = await fetch(`http://127.0.0.1:${server.port}/${alice.id}/echo/sse`, { headers: { accept: "text/event-stream" } });
  expect(res.headers.get("x-accel-buffering")).toBe("no");
  const reader = res.body!.getReader();
  expect(new TextDecoder().decode((await reader.read()).value)).toStartWith(`event: endpoint\ndata: /${alice.id}/echo/messages?sessionId=`);
  for (let i = 0; i < 3; i++) expect(new TextDecoder().decode((await reader.read()).value)).toBe(": keepalive\n\n");
  await reader.cancel();
});
