/**
 * Most answers to a POST are one short SSE event and the end of the stream (an SDK server
 * answers every tools/call that way). Relaying those through a JavaScript stream costs
 * about 40 µs of CPU a request; handing Bun the whole body lets it write natively. So the
 * body is read while it keeps arriving at once: if it ends that way it is answered whole,
 * otherwise (a tool streaming progress, a big answer) it is relayed from where reading
 * stopped, so nothing is delayed beyond one turn of the event loop.
 */

/** A first chunk later than this means a slow tool: relay, so keep-alives can flow. */
export const FIRST_CHUNK_WAIT_MS = 20;
/** Larger answers are relayed rather than held. */
export const QUICK_BODY_MAX_BYTES = 256 * 1024;

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>>;

export type QuickBody = { whole: Uint8Array } | { stream: ReadableStream<Uint8Array> };

export async function readIfQuick(body: ReadableStream<Uint8Array>): Promise<QuickBody> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let pending: Promise<ReadResult> = reader.read();
  for (let first = true; ; first = false) {
    let r: ReadResult | null;
    try {
      r = await quickly(pending, first);
    } catch {
      // The service broke off: the relay reports it the way it reports any break.
      return { stream: resumed(chunks, pending, reader) };
    }
    if (r === null) return { stream: resumed(chunks, pending, reader) };
    if (r.done) return { whole: concat(chunks, size) };
    chunks.push(r.value);
    size += r.value.byteLength;
    if (size > QUICK_BODY_MAX_BYTES) return { stream: resumed(chunks, null, reader) };
    pending = reader.read();
  }
}

/** The read's result if it comes within the wait (the first) or this turn (the rest), else null. */
function quickly(read: Promise<ReadResult>, first: boolean): Promise<ReadResult | null> {
  const status = Bun.peek.status(read);
  if (status === "fulfilled") return Promise.resolve(Bun.peek(read) as ReadResult);
  let timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate>;
  const late = new Promise<null>((resolve) => {
    timer = first ? setTimeout(() => resolve(null), FIRST_CHUNK_WAIT_MS) : setImmediate(() => resolve(null));
  });
  return Promise.race([read, late]).finally(() => (first ? clearTimeout(timer as ReturnType<typeof setTimeout>) : clearImmediate(timer as ReturnType<typeof setImmediate>)));
}

/** The rest of the body, starting with what was already read and the read still waiting. */
function resumed(chunks: Uint8Array[], pending: Promise<ReadResult> | null, reader: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const held = chunks.shift();
        if (held) return controller.enqueue(held);
        const r = await (pending ?? reader.read());
        pending = null;
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) (out.set(c, at), (at += c.byteLength));
  return out;
}
