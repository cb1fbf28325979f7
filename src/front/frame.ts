import type { Head } from "./http1.ts";

const enum Chunk {
  Size,
  Data,
  DataEnd,
  Trailer,
  Done,
}

/** Longest chunk-size or trailer line accepted: a size is a few hex digits; extensions are never used here. */
const MAX_LINE = 4096;

/**
 * Where one message body ends in a byte stream: by Content-Length, by chunked framing, or
 * at close. The bytes themselves are passed on untouched (the framing is the same on
 * both hops); this only tracks them, and hands the payload of chunks to `onData` so an
 * event stream's boundaries can be followed.
 */
export class BodyFrame {
  /** body bytes seen, framing included */
  bytes = 0;
  /** set when chunked framing is malformed: the stream cannot be trusted any further */
  broken = false;
  private left: number;
  private state = Chunk.Size;
  private line = "";

  private constructor(
    private readonly mode: "length" | "chunked" | "close",
    length: number,
  ) {
    this.left = length;
  }

  static of(head: Head, noBody: boolean): BodyFrame {
    if (noBody) return new BodyFrame("length", 0);
    if (head.chunked) return new BodyFrame("chunked", 0);
    if (head.contentLength >= 0) return new BodyFrame("length", head.contentLength);
    // A request without either has no body; a response without either runs to close.
    return head.method ? new BodyFrame("length", 0) : new BodyFrame("close", 0);
  }

  get chunked(): boolean {
    return this.mode === "chunked";
  }

  get done(): boolean {
    return this.mode === "length" ? this.left === 0 : this.state === Chunk.Done;
  }

  /** Between two chunks: a chunk of the proxy's own can go in here. */
  get atChunkBoundary(): boolean {
    return this.mode === "chunked" && this.state === Chunk.Size && this.line === "";
  }

  /**
   * Takes bytes from `buf` starting at `from`; returns where this body ends in `buf`
   * (`buf.byteLength` or less). Payload bytes are reported to `onData`.
   */
  feed(buf: Buffer, from: number, onData?: (buf: Buffer, start: number, end: number) => void): number {
    if (this.mode === "close") {
      this.bytes += buf.byteLength - from;
      onData?.(buf, from, buf.byteLength);
      return buf.byteLength;
    }
    if (this.mode === "length") {
      const n = Math.min(this.left, buf.byteLength - from);
      this.left -= n;
      this.bytes += n;
      if (n > 0) onData?.(buf, from, from + n);
      return from + n;
    }
    let i = from;
    while (i < buf.byteLength && this.state !== Chunk.Done && !this.broken) {
      switch (this.state) {
        case Chunk.Data: {
          const n = Math.min(this.left, buf.byteLength - i);
          onData?.(buf, i, i + n);
          this.left -= n;
          i += n;
          if (this.left === 0) (this.state = Chunk.DataEnd), (this.line = "");
          break;
        }
        case Chunk.DataEnd:
          this.line += String.fromCharCode(buf[i++]!);
          if (this.line.length === 2) {
            if (this.line !== "\r\n") this.broken = true;
            this.state = Chunk.Size;
            this.line = "";
          }
          break;
        case Chunk.Size:
        case Chunk.Trailer: {
          const c = buf[i++]!;
          if (c !== 10 /* LF */) {
            this.line += String.fromCharCode(c);
            if (this.line.length > MAX_LINE) this.broken = true;
            break;
          }
          if (!this.line.endsWith("\r")) {
            this.broken = true;
            break;
          }
          const line = this.line.slice(0, -1);
          this.line = "";
          if (this.state === Chunk.Trailer) {
            if (line === "") this.state = Chunk.Done;
            break;
          }
          const size = line.split(";", 1)[0]!.trim();
          if (!/^[0-9a-fA-F]{1,12}$/.test(size)) {
            this.broken = true;
            break;
          }
          this.left = parseInt(size, 16);
          this.state = this.left === 0 ? Chunk.Trailer : Chunk.Data;
          break;
        }
      }
    }
    this.bytes += i - from;
    return i;
  }
}
