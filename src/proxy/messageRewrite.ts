/**
 * Rewriting JSON-RPC messages in what a service answers, whole or as an event stream: the
 * one place the proxy changes an answer's content (a tool policy's filtered tools/list).
 * `fn` gets each parsed message (an object, or a batch array) and returns what to send
 * instead, or undefined to send the original bytes untouched.
 */
export type MessageRewrite = (msg: unknown) => unknown | undefined;

const utf8 = new TextEncoder();

/** A whole JSON body; one that is not JSON goes out as it came. */
export function rewriteJson(bytes: Uint8Array, fn: MessageRewrite): Uint8Array {
  let msg: unknown;
  try {
    msg = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return bytes;
  }
  const out = fn(msg);
  return out === undefined ? bytes : utf8.encode(JSON.stringify(out));
}

const EVENT_END = /\r\n\r\n|\n\n|\r\r/;

/**
 * An event stream, event by event: bytes are held only until the event they belong to is
 * complete, and every complete event goes out at once (rewritten or as it was).
 */
export class EventRewriter {
  private held = "";
  private readonly decoder = new TextDecoder();

  constructor(private readonly fn: MessageRewrite) {}

  push(chunk: Uint8Array): Uint8Array | null {
    this.held += this.decoder.decode(chunk, { stream: true });
    let out = "";
    for (;;) {
      const end = EVENT_END.exec(this.held);
      if (!end) break;
      const cut = end.index + end[0].length;
      out += this.event(this.held.slice(0, end.index), end[0]);
      this.held = this.held.slice(cut);
    }
    return out ? utf8.encode(out) : null;
  }

  /** An unfinished event at the end of the stream goes out as it was. */
  flush(): Uint8Array | null {
    const rest = this.held + this.decoder.decode();
    this.held = "";
    return rest ? utf8.encode(rest) : null;
  }

  private event(block: string, terminator: string): string {
    const lines = block.split(/\r\n|\r|\n/);
    const data: string[] = [];
    const other: string[] = [];
    for (const line of lines) {
      if (line === "data" || line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      else other.push(line);
    }
    if (data.length === 0) return block + terminator;
    let msg: unknown;
    try {
      msg = JSON.parse(data.join("\n"));
    } catch {
      return block + terminator;
    }
    const out = this.fn(msg);
    if (out === undefined) return block + terminator;
    return [...other, `data: ${JSON.stringify(out)}`].join("\n") + "\n\n";
  }
}
