import { expect, test } from "bun:test";
import { waitFor } from "../helpers/net.ts";
import { closeAfterEach, connect, connectLegacy, fingerprintOf, fixtureService, startFront, whoami } from "./harness.ts";

closeAfterEach();

const BOTH = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const INIT = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } };
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { ...BOTH, ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

async function session(url: string): Promise<string> {
  const res = await post(url, INIT);
  expect(res.status).toBe(200);
  await res.body?.cancel();
  return res.headers.get("mcp-session-id")!;
}

/** Reads SSE events off a response until `until` says stop. */
async function readEvents(res: Response, until: (events: Array<{ event: string; data: string }>) => boolean) {
  const events: Array<{ event: string; data: string }> = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  while (!until(events)) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += value;
    let end: number;
    while ((end = buf.indexOf("\n\n")) !== -1) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (data !== undefined) events.push({ event, data });
    }
  }
  await reader.cancel();
  return events;
}

test("an SDK client over Streamable HTTP lists and calls tools", async () => {
  const front = startFront(fixtureService());
  const c = await connect(front.addInstance("fp_alice_1", "alice", "alice-key"));
  const { tools } = await c.listTools();
  expect(tools.map((t) => t.name)).toContain("whoami");
  expect((await whoami(c)).fingerprint).toBe(fingerprintOf("alice-key"));
});

test("an SDK client over legacy HTTP+SSE reaches the same child", async () => {
  const front = startFront(fixtureService());
  const mcp = front.addInstance("fp_alice_1", "alice", "alice-key");
  const modern = await connect(mcp);
  const legacy = await connectLegacy(mcp.replace(/\/mcp$/, "/sse"));
  const a = await whoami(legacy);
  expect(a.fingerprint).toBe(fingerprintOf("alice-key"));
  expect(a.pid).toBe((await whoami(modern)).pid);
});

test("the legacy endpoint event points under the client's instance prefix", async () => {
  const front = startFront(fixtureService());
  const sse = front.addInstance("fp_alice_1", "alice", "k").replace(/\/mcp$/, "/sse");
  const res = await fetch(sse, { headers: { accept: "text/event-stream" } });
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  expect(res.headers.get("x-accel-buffering")).toBe("no");
  const [first] = await readEvents(res, (e) => e.length >= 1);
  expect(first!.event).toBe("endpoint");
  expect(first!.data).toMatch(/^\/fp_alice_1\/fp\/messages\?sessionId=[A-Za-z0-9_-]{24}$/);
});

test("a legacy sessionId used under another instance answers 404", async () => {
  const front = startFront(fixtureService());
  const base = front.url;
  front.addInstance("fp_alice_1", "alice", "ka");
  front.addInstance("fp_bob_1", "bob", "kb");
  const res = await fetch(`${base}/fp_alice_1/fp/sse`, { headers: { accept: "text/event-stream" } });
  const [first] = await readEvents(res, (e) => e.length >= 1);
  const sessionId = first!.data.split("sessionId=")[1]!;
  const stolen = await post(`${base}/fp_bob_1/fp/messages?sessionId=${sessionId}`, INIT);
  expect(stolen.status).toBe(404);
});

test("a legacy session ends when its client closes the stream", async () => {
  const front = startFront(fixtureService());
  const sse = front.addInstance("fp_alice_1", "alice", "k").replace(/\/mcp$/, "/sse");
  const res = await fetch(sse, { headers: { accept: "text/event-stream" } });
  const [first] = await readEvents(res, (e) => e.length >= 1); // reads, then cancels the body
  const messages = `${front.url}${first!.data}`;
  await waitFor(async () => (await post(messages, { jsonrpc: "2.0", id: 1, method: "ping" })).status === 404, {
    what: "the session to end with its stream",
  });
});

test("Mcp-Session-Id is required after initialize, and unknown or foreign ids get the same 404", async () => {
  const front = startFront(fixtureService());
  const alice = front.addInstance("fp_alice_1", "alice", "ka");
  const bob = front.addInstance("fp_bob_1", "bob", "kb");
  const sid = await session(alice);
  const list = { jsonrpc: "2.0", id: 2, method: "tools/list" };

  expect((await post(alice, list)).status).toBe(400);
  const unknown = await post(bob, list, { "mcp-session-id": "nope" });
  const foreign = await post(bob, list, { "mcp-session-id": sid });
  expect(unknown.status).toBe(404);
  expect(foreign.status).toBe(404);
  expect(await foreign.text()).toBe(await unknown.text());
  expect((await post(alice, list, { "mcp-session-id": sid })).status).toBe(200);
});

test("DELETE ends a session", async () => {
  const front = startFront(fixtureService());
  const url = front.addInstance("fp_alice_1", "alice", "ka");
  const sid = await session(url);
  expect((await fetch(url, { method: "DELETE", headers: { "mcp-session-id": sid } })).status).toBe(200);
  expect((await post(url, { jsonrpc: "2.0", id: 2, method: "tools/list" }, { "mcp-session-id": sid })).status).toBe(404);
});

test("tools/call streams as SSE when the client takes it; tools/list answers as JSON", async () => {
  const front = startFront(fixtureService());
  const url = front.addInstance("fp_alice_1", "alice", "ka");
  const sid = await session(url);
  const list = await post(url, { jsonrpc: "2.0", id: 2, method: "tools/list" }, { "mcp-session-id": sid });
  expect(list.headers.get("content-type")).toBe("application/json");
  const call = await post(url, { jsonrpc: "2.0", id: "c", method: "tools/call", params: { name: "progress", arguments: { steps: 2 }, _meta: { progressToken: "t" } } }, { "mcp-session-id": sid });
  expect(call.headers.get("content-type")).toBe("text/event-stream");
  const events = await readEvents(call, (e) => e.some((x) => JSON.parse(x.data).id === "c"));
  expect(events.map((e) => JSON.parse(e.data))).toEqual([
    { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: "t", progress: 1, total: 2 } },
    { jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: "t", progress: 2, total: 2 } },
    { jsonrpc: "2.0", id: "c", result: { content: [{ type: "text", text: "progressed" }] } },
  ]);
});

test("notifications alone get 202, and a second GET stream on one session gets 409", async () => {
  const front = startFront(fixtureService());
  const url = front.addInstance("fp_alice_1", "alice", "ka");
  const sid = await session(url);
  expect((await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": sid })).status).toBe(202);
  const first = await fetch(url, { headers: { accept: "text/event-stream", "mcp-session-id": sid } });
  expect(first.status).toBe(200);
  const second = await fetch(url, { headers: { accept: "text/event-stream", "mcp-session-id": sid } });
  expect(second.status).toBe(409);
  await first.body!.cancel();
});

test("bad bodies get JSON-RPC errors, not stacks", async () => {
  const front = startFront(fixtureService());
  const url = front.addInstance("fp_alice_1", "alice", "ka");
  const bad = await post(url, "{not json");
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: { code: number } }).error.code).toBe(-32700);
  const wrongType = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
  expect(wrongType.status).toBe(415);
  expect((await post(url, { hello: 1 })).status).toBe(400);
  expect((await post(url, [INIT, INIT])).status).toBe(400);
  expect((await fetch(url, { method: "PUT" })).status).toBe(405);
  expect((await fetch(url.replace(/\/mcp$/, "/elsewhere"))).status).toBe(404);
});

test("ping is answered by the bridge and does not wake a stopped child", async () => {
  const front = startFront(fixtureService({ idleStopMs: 1000 }));
  const url = front.addInstance("fp_alice_1", "alice", "ka");
  const sid = await session(url);
  await waitFor(() => front.bridge.status().live === 0, { what: "the idle child to stop" });
  const pong = await post(url, { jsonrpc: "2.0", id: 9, method: "ping" }, { "mcp-session-id": sid });
  expect(await pong.json()).toEqual({ jsonrpc: "2.0", id: 9, result: {} });
  expect(front.bridge.status().live).toBe(0);
});

test("a stateless (2026-07-28) request needs no session", async () => {
  const front = startFront(fixtureService());
  const url = front.addInstance("fp_alice_1", "alice", "ka");
  const res = await post(url, { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "whoami", arguments: {} } }, {
    accept: "application/json",
    "mcp-protocol-version": "2026-07-28",
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("mcp-session-id")).toBeNull();
  const body = (await res.json()) as { result: { content: Array<{ text: string }> } };
  expect(JSON.parse(body.result.content[0]!.text).fingerprint).toBe(fingerprintOf("ka"));
});
