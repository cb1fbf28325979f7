import { expect, test } from "bun:test";
import { CreateMessageRequestSchema, LoggingMessageNotificationSchema, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { Client as SdkClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../helpers/net.ts";
import { callText, closeAfterEach, connect, fixtureService, keep, startFront, testDir } from "./harness.ts";

closeAfterEach();

const sharedFront = () => startFront(fixtureService({ mode: "shared", credential: undefined }));

const JSON_ONLY = { "content-type": "application/json", accept: "application/json" };

async function rawSession(url: string, protocolVersion = "2025-06-18"): Promise<{ id: string; result: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: "POST",
    headers: JSON_ONLY,
    body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion, capabilities: {}, clientInfo: { name: "raw", version: "1" } } }),
  });
  expect(res.status).toBe(200);
  const id = res.headers.get("mcp-session-id")!;
  const body = (await res.json()) as { result: Record<string, unknown> };
  await fetch(url, { method: "POST", headers: { ...JSON_ONLY, "mcp-session-id": id }, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) });
  return { id, result: body.result };
}

const echoCall = (id: number, text: string, delayMs: number) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "echo", arguments: { text, delayMs } },
});

test("thousands of interleaved calls from sessions using the same ids get their own answers", async () => {
  const front = sharedFront();
  const url = front.addInstance("fp_shared_1", "u", null);
  const SESSIONS = 8;
  const CALLS = 300;
  const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => rawSession(url)));

  let mixUps = 0;
  let answered = 0;
  await Promise.all(
    sessions.flatMap((s, si) =>
      Array.from({ length: CALLS }, async (_, i) => {
        // Every session uses ids 1..CALLS; the child finishes them out of order.
        const id = i + 1;
        const res = await fetch(url, {
          method: "POST",
          headers: { ...JSON_ONLY, "mcp-session-id": s.id },
          body: JSON.stringify(echoCall(id, `s${si}:${id}`, (si * 7 + i) % 4)),
        });
        const body = (await res.json()) as { id: number; result: { content: Array<{ text: string }> } };
        answered++;
        if (body.id !== id || body.result.content[0]!.text !== `s${si}:${id}`) mixUps++;
      }),
    ),
  );
  expect(answered).toBe(SESSIONS * CALLS);
  expect(mixUps).toBe(0);
  expect(front.bridge.status().live).toBe(1);
});

test("batches from two sessions with the same ids come back whole and in their own ids", async () => {
  const front = sharedFront();
  const url = front.addInstance("fp_shared_1", "u", null);
  const [a, b] = await Promise.all([rawSession(url), rawSession(url)]);
  const batch = (tag: string) => [1, 2, 3].map((id) => echoCall(id, `${tag}${id}`, 3 - id));
  const [ra, rb] = await Promise.all(
    [a!, b!].map(async (s, i) => {
      const res = await fetch(url, { method: "POST", headers: { ...JSON_ONLY, "mcp-session-id": s.id }, body: JSON.stringify(batch(i ? "b" : "a")) });
      return (await res.json()) as Array<{ id: number; result: { content: Array<{ text: string }> } }>;
    }),
  );
  expect(ra!.map((r) => [r.id, r.result.content[0]!.text])).toEqual([[1, "a1"], [2, "a2"], [3, "a3"]]);
  expect(rb!.map((r) => [r.id, r.result.content[0]!.text])).toEqual([[1, "b1"], [2, "b2"], [3, "b3"]]);
});

test("SDK clients on one shared child, streaming answers concurrently, get only their own", async () => {
  const front = sharedFront();
  const url = front.addInstance("fp_shared_1", "u", null);
  const cs = await Promise.all([0, 1, 2, 3].map(() => connect(url)));
  const results = await Promise.all(
    cs.map((c, ci) => Promise.all(Array.from({ length: 150 }, (_, i) => callText(c, "echo", { text: `c${ci}-${i}`, delayMs: i % 3 })))),
  );
  results.forEach((texts, ci) => expect(texts).toEqual(Array.from({ length: 150 }, (_, i) => `c${ci}-${i}`)));
});

test("the child is initialized once; every session gets its result at the version it asked for", async () => {
  const front = sharedFront();
  const url = front.addInstance("fp_shared_1", "u", null);
  const old = await rawSession(url, "2025-03-26");
  const cur = await rawSession(url, "2025-06-18");
  const odd = await rawSession(url, "1999-01-01");
  expect(old.result.protocolVersion).toBe("2025-03-26");
  expect(cur.result.protocolVersion).toBe("2025-06-18");
  // Not a version we know: the session gets the one the child settled on.
  expect(odd.result.protocolVersion).toBe("2025-03-26");
  expect(cur.result.serverInfo).toEqual({ name: "stdio-fingerprint", version: "1.0.0" });

  const c = await connect(url);
  expect(c.getServerVersion()).toEqual({ name: "stdio-fingerprint", version: "1.0.0" });
  expect(JSON.parse(await callText(c, "stats"))).toEqual({ initialize: 1, initialized: 1 });
});

test("progress notifications reach the session whose call asked for them, under its own token", async () => {
  const front = sharedFront();
  const url = front.addInstance("fp_shared_1", "u", null);
  const [a, b] = await Promise.all([connect(url), connect(url)]);
  const seen: Record<string, number[]> = { a: [], b: [] };
  await Promise.all([
    a!.callTool({ name: "progress", arguments: { steps: 3 } }, undefined, { onprogress: (p) => seen.a!.push(p.progress) }),
    b!.callTool({ name: "progress", arguments: { steps: 5 } }, undefined, { onprogress: (p) => seen.b!.push(p.progress) }),
  ]);
  expect(seen.a).toEqual([1, 2, 3]);
  expect(seen.b).toEqual([1, 2, 3, 4, 5]);
});

test("a request the child makes goes to the session whose call caused it", async () => {
  const front = sharedFront();
  const url = front.addInstance("fp_shared_1", "u", null);
  const make = async (name: string) => {
    const c = keep(new SdkClient({ name, version: "1" }, { capabilities: { sampling: {} } }));
    c.setRequestHandler(CreateMessageRequestSchema, async () => ({ role: "assistant", model: "m", content: { type: "text", text: `answer from ${name}` } }));
    await c.connect(new StreamableHTTPClientTransport(new URL(url)));
    return c;
  };
  const a = await make("a");
  const b = await make("b");
  expect(await callText(a, "ask", { question: "?" })).toBe("answer from a");
  expect(await callText(b, "ask", { question: "?" })).toBe("answer from b");
});

test("a global notification (tools list changed) reaches every session", async () => {
  const front = sharedFront();
  const url = front.addInstance("fp_shared_1", "u", null);
  const got = { a: 0, b: 0 };
  const [a, b] = await Promise.all([connect(url), connect(url)]);
  a!.setNotificationHandler(ToolListChangedNotificationSchema, async () => void got.a++);
  b!.setNotificationHandler(ToolListChangedNotificationSchema, async () => void got.b++);
  // The SDK client opens its GET stream just after initializing: announce until both hear it.
  await waitFor(async () => {
    await callText(a!, "announce");
    return got.a > 0 && got.b > 0;
  }, { what: "both sessions to hear list_changed" });
});

test("a shared child's log message reaches no session, even the one whose call is running; the log keeps it", async () => {
  const log = join(testDir(), "fp.log");
  const front = startFront(fixtureService({ mode: "shared", credential: undefined }), log);
  const heard: Record<string, unknown[]> = { a: [], b: [] };
  const [a, b] = await Promise.all([connect(front.addInstance("fp_a_1", "a", null)), connect(front.addInstance("fp_b_1", "b", null))]);
  a!.setNotificationHandler(LoggingMessageNotificationSchema, async (n) => void heard.a!.push(n.params.data));
  b!.setNotificationHandler(LoggingMessageNotificationSchema, async (n) => void heard.b!.push(n.params.data));
  await callText(a!, "log", { text: "a's secret business" });
  await callText(b!, "log", { text: "b's own" });
  expect(heard).toEqual({ a: [], b: [] });
  expect(readFileSync(log, "utf8")).toContain('log (info): "a\'s secret business"');
});

test("shared mode: one child for every instance, and status names no instance", async () => {
  const front = sharedFront();
  const one = await connect(front.addInstance("fp_a_1", "a", null));
  const two = await connect(front.addInstance("fp_b_1", "b", null));
  const p1 = JSON.parse(await callText(one, "whoami")).pid;
  const p2 = JSON.parse(await callText(two, "whoami")).pid;
  expect(p1).toBe(p2);
  expect(front.bridge.status().children).toEqual([expect.objectContaining({ instanceRef: null, pid: p1 })]);
});

test("two users on one shared child never hear each other's notifications; list changes reach both", async () => {
  const log = join(testDir(), "fp.log");
  const front = startFront(fixtureService({ mode: "shared", credential: undefined }), log);
  const heard: Record<string, unknown[]> = { a: [], b: [] };
  const listChanged = { a: 0, b: 0 };
  const errors: Error[] = [];
  const a = await connect(front.addInstance("fp_alice_1", "alice", null));
  const b = await connect(front.addInstance("fp_bob_1", "bob", null));
  for (const [name, c] of [["a", a], ["b", b]] as const) {
    c.setNotificationHandler(LoggingMessageNotificationSchema, async (n) => void heard[name]!.push(n.params.data));
    c.setNotificationHandler(ToolListChangedNotificationSchema, async () => void listChanged[name]++);
    c.onerror = (e) => errors.push(e);
  }
  // Each round: a log line from each user's work, sent after its call was answered, then
  // junk on stdout, then a list change. The child writes them in that order on one pipe,
  // so once both sessions heard the list change, the logs and the junk were routed too.
  await waitFor(async () => {
    await callText(a, "logLater", { text: "alice's business" });
    await callText(b, "logLater", { text: "bob's business" });
    await callText(a, "junk");
    await callText(b, "announce");
    return listChanged.a > 0 && listChanged.b > 0;
  }, { what: "both sessions' GET streams to carry the list change" });
  expect(heard).toEqual({ a: [], b: [] });
  expect(errors).toEqual([]);
  const text = readFileSync(log, "utf8");
  expect(text).toContain("notifications/message sent outside any request");
  expect(text).toContain("stdout (not JSON-RPC): [1,2,3]");
  expect(text).toContain('stdout (not JSON-RPC): {"jsonrpc":"2.0","hello":1}');
});

test("per-user: a notification outside any request reaches the instance's own sessions", async () => {
  const front = startFront(fixtureService());
  const url = front.addInstance("fp_alice_1", "alice", "k");
  const heard: unknown[] = [];
  const [one, two] = [await connect(url), await connect(url)];
  two.setNotificationHandler(LoggingMessageNotificationSchema, async (n) => void heard.push(n.params.data));
  await waitFor(async () => {
    await callText(one, "logLater", { text: "for alice" });
    return heard.length > 0;
  }, { what: "alice's other session to hear the log line" });
  expect(heard[0]).toBe("for alice");
});
