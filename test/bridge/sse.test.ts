import { expect, test } from "bun:test";
import { createSseStream, SSE_MAX_QUEUED_EVENTS } from "../../src/bridge/sse.ts";

const read = async (body: ReadableStream<Uint8Array>, n: number) => {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (text.split("\n\n").length <= n) text += decoder.decode((await reader.read()).value, { stream: true });
  await reader.cancel();
  return text;
};

test("events are framed as SSE, after an opening comment that flushes the headers", async () => {
  const stream = createSseStream();
  stream.send({ a: 1 });
  stream.send("/x/messages?sessionId=s", "endpoint");
  expect(await read(stream.body, 3)).toStartWith(': open\n\nevent: message\ndata: {"a":1}\n\nevent: endpoint\ndata: /x/messages?sessionId=s\n\n');
});

test("a client that stops reading gets its stream closed, not buffered without end", () => {
  let closed = false;
  const stream = createSseStream({ onClose: () => (closed = true) });
  let sent = 0;
  while (stream.send({ n: sent })) sent++;
  expect(closed).toBe(true);
  expect(sent).toBeLessThanOrEqual(SSE_MAX_QUEUED_EVENTS + 1);
});

test("the client cancelling the stream runs onClose once and later sends report false", async () => {
  let closes = 0;
  const stream = createSseStream({ onClose: () => closes++ });
  await stream.body.cancel();
  expect(stream.send({})).toBe(false);
  stream.close();
  expect(closes).toBe(1);
});
