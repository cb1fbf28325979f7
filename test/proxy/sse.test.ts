import { expect, test } from "bun:test";
import { EndpointRewriter, EventBoundary } from "../../src/proxy/sse.ts";
import { relay } from "../../src/proxy/stream.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b ? new TextDecoder().decode(b) : null);
const UP = new URL("http://127.0.0.1:49200/sse");

test("a legacy endpoint event is rewritten under the instance prefix and its session learned", () => {
  const sessions: string[] = [];
  const r = new EndpointRewriter("/ech_alice_X/echo", UP, (id) => sessions.push(id));
  expect(r.push(enc("event: endpoint\ndata: /mess"))).toBeNull();
  expect(dec(r.push(enc("ages?sessionId=abc\n\nevent: message\ndata: {}\n\n")))).toBe(
    "event: endpoint\ndata: /ech_alice_X/echo/messages?sessionId=abc\n\nevent: message\ndata: {}\n\n",
  );
  expect(sessions).toEqual(["abc"]);
  // After the first event, bytes pass untouched.
  expect(dec(r.push(enc("event: endpoint\ndata: /x\n\n")))).toBe("event: endpoint\ndata: /x\n\n");
});

test("relative, absolute-loopback and already-prefixed endpoints", () => {
  const rw = (data: string) => dec(new EndpointRewriter("/i/s", UP, () => {}).push(enc(`event: endpoint\r\ndata: ${data}\r\n\r\n`)));
  expect(rw("messages?sessionId=1")).toBe("event: endpoint\ndata: /i/s/messages?sessionId=1\r\n\r\n");
  expect(rw("http://127.0.0.1:49200/messages?sessionId=1")).toBe("event: endpoint\ndata: /i/s/messages?sessionId=1\r\n\r\n");
  expect(rw("/i/s/messages?sessionId=1")).toBe("event: endpoint\ndata: /i/s/messages?sessionId=1\r\n\r\n");
});

test("comments before the endpoint event (a bridge's `: open`) are passed on and looked past", () => {
  const sessions: string[] = [];
  const r = new EndpointRewriter("/i/s", UP, (id) => sessions.push(id));
  expect(r.push(enc(": open\n\n"))).toBeNull();
  expect(dec(r.push(enc(": keepalive\n\nevent: endpoint\ndata: /messages?sessionId=q\n\n")))).toBe(
    ": open\n\n: keepalive\n\nevent: endpoint\ndata: /i/s/messages?sessionId=q\n\n",
  );
  expect(sessions).toEqual(["q"]);
});

test("a stream whose first event is not an endpoint passes through as it was", () => {
  const r = new EndpointRewriter("/i/s", UP, () => {});
  expect(dec(r.push(enc("event: message\ndata: {\"a\":1}\n\n")))).toBe("event: message\ndata: {\"a\":1}\n\n");
});

test("event boundaries are tracked across chunks", () => {
  const b = new EventBoundary();
  expect(b.atBoundary).toBe(true);
  b.feed(enc("data: x\n"));
  expect(b.atBoundary).toBe(false);
  b.feed(enc("\n"));
  expect(b.atBoundary).toBe(true);
});

/** An upstream the test drives by hand. */
function upstream() {
  let c!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({ start: (ctl) => void (c = ctl), cancel: () => void (cancelled = true) });
  return { stream, send: (s: string) => c.enqueue(enc(s)), fail: () => c.error(new Error("gone")), end: () => c.close(), cancelled: () => cancelled };
}

test("an idle event stream gets keep-alive comments, never inside an event", async () => {
  const up = upstream();
  const ends: unknown[] = [];
  const out = relay(up.stream, { sse: true, keepaliveMs: 30, onCancel: () => {}, onEnd: (e) => ends.push(e) }).getReader();
  up.send("data: 1\n\n");
  expect(dec((await out.read()).value!)).toBe("data: 1\n\n");
  expect(dec((await out.read()).value!)).toBe(": keepalive\n\n");
  // Mid-event: no comment may be inserted until the event is complete.
  up.send("data: par");
  expect(dec((await out.read()).value!)).toBe("data: par");
  const next = out.read();
  const raced = await Promise.race([next, Bun.sleep(100).then(() => "nothing")]);
  expect(raced).toBe("nothing");
  up.send("t\n\n");
  expect(dec((await next).value!)).toBe("t\n\n");
  await out.cancel();
  expect(up.cancelled()).toBe(true);
  expect(ends).toEqual([{ bytes: 9 + 13 + 9 + 3, broken: false, cancelled: true }]);
});

test("a client that does not read makes the relay stop reading the service", async () => {
  let pulled = 0;
  const src = new ReadableStream<Uint8Array>({ pull: (c) => void (pulled++, c.enqueue(new Uint8Array(64 * 1024))) }, { highWaterMark: 0 });
  const out = relay(src, { sse: false, onCancel: () => {}, onEnd: () => {} }).getReader();
  await out.read();
  await Bun.sleep(50);
  // One chunk read for the client, at most one more in flight: nothing piles up in the proxy.
  expect(pulled).toBeLessThanOrEqual(2);
  await out.cancel();
});

test("a service that breaks off mid-stream: waiting ids get a final error event", async () => {
  const up = upstream();
  const out = relay(up.stream, { sse: true, onBreak: () => enc("event: message\ndata: {\"id\":1,\"error\":{}}\n\n"), onCancel: () => {}, onEnd: () => {} });
  const reader = out.getReader();
  up.send("data: progress\n\n");
  expect(dec((await reader.read()).value!)).toBe("data: progress\n\n");
  up.fail();
  expect(dec((await reader.read()).value!)).toBe('event: message\ndata: {"id":1,"error":{}}\n\n');
  expect((await reader.read()).done).toBe(true);
});
