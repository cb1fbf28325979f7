import { expect, test } from "bun:test";
import { FIRST_CHUNK_WAIT_MS, QUICK_BODY_MAX_BYTES, readIfQuick } from "../../src/proxy/quickBody.ts";

const enc = new TextEncoder();

/** A body that sends each part after its delay (ms), then ends or fails. */
function body(parts: Array<[number, string | Uint8Array]>, end: "close" | "error" = "close"): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async start(c) {
      for (const [delay, part] of parts) {
        if (delay) await Bun.sleep(delay);
        c.enqueue(typeof part === "string" ? enc.encode(part) : part);
      }
      if (end === "close") c.close();
      else c.error(new Error("service went away"));
    },
  });
}

async function readAll(q: Awaited<ReturnType<typeof readIfQuick>>): Promise<string> {
  if ("whole" in q) return new TextDecoder().decode(q.whole);
  return await new Response(q.stream).text();
}

test("an answer that is complete at once comes back whole", async () => {
  const q = await readIfQuick(body([[0, "event: message\ndata: {\"id\":1}\n\n"]]));
  expect("whole" in q).toBe(true);
  expect(await readAll(q)).toBe('event: message\ndata: {"id":1}\n\n');
});

test("a stream with a pause between events is relayed, every byte in order, the first event not held back", async () => {
  let sentSecond = false;
  const src = new ReadableStream<Uint8Array>({
    async start(c) {
      c.enqueue(enc.encode("data: 1\n\n"));
      await Bun.sleep(80);
      sentSecond = true;
      c.enqueue(enc.encode("data: 2\n\n"));
      await Bun.sleep(80);
      c.enqueue(enc.encode("data: 3\n\n"));
      c.close();
    },
  });
  const q = await readIfQuick(src);
  expect("stream" in q).toBe(true);
  // Handed over before the service sent its second event: the first was not held for it.
  expect(sentSecond).toBe(false);
  expect(await readAll(q)).toBe("data: 1\n\ndata: 2\n\ndata: 3\n\n");
});

test("a slow first event is not waited for beyond the first-chunk wait", async () => {
  const q = await readIfQuick(body([[FIRST_CHUNK_WAIT_MS + 150, "data: late\n\n"]]));
  expect("stream" in q).toBe(true);
  expect(await readAll(q)).toBe("data: late\n\n");
});

test("a large answer is relayed rather than held", async () => {
  const big = new Uint8Array(QUICK_BODY_MAX_BYTES + 1).fill(97);
  const q = await readIfQuick(body([[0, big], [0, "end"]]));
  expect("stream" in q).toBe(true);
  expect((await readAll(q)).length).toBe(big.byteLength + 3);
});

test("a service that breaks off mid-answer still fails the stream, after what it sent", async () => {
  const q = await readIfQuick(body([[0, "data: 1\n\n"], [30, "data: 2"]], "error"));
  expect("stream" in q).toBe(true);
  const reader = (q as { stream: ReadableStream<Uint8Array> }).stream.getReader();
  const got: string[] = [];
  await expect(
    (async () => {
      for (;;) {
        const r = await reader.read();
        if (r.done) return;
        got.push(new TextDecoder().decode(r.value));
      }
    })(),
  ).rejects.toThrow("service went away");
  expect(got.join("")).toBe("data: 1\n\ndata: 2");
});
