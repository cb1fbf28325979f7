import type { Patterns } from "./patterns.ts";

/** What a secret becomes on its way to the client. */
export const REDACTED = Buffer.from("[redacted]");

/**
 * Replaces every occurrence of the given byte strings in a stream, however it is split:
 * the few bytes at the end of a piece that could begin a secret are held back until the
 * next piece (or the end) says whether they do. Nothing else is held, so an event stream
 * goes out event by event: an event ends in a blank line, and no secret contains one.
 */
export class Redactor {
  /** occurrences replaced so far */
  count = 0;
  private held: Buffer | null = null;

  constructor(private readonly p: Patterns) {}

  /** The bytes of `piece` (after any held ones) that can go out now; may be empty. */
  push(piece: Uint8Array): Buffer {
    const data = this.held ? Buffer.concat([this.held, piece]) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    this.held = null;
    const out = this.replace(data);
    const keep = this.prefixAtEnd(out);
    if (keep === 0) return out;
    this.held = Buffer.from(out.subarray(out.byteLength - keep));
    return out.subarray(0, out.byteLength - keep);
  }

  /** What is still held when the stream ends: it began a secret that never finished. */
  flush(): Buffer {
    const rest = this.held ?? Buffer.alloc(0);
    this.held = null;
    return rest;
  }

  get holding(): boolean {
    return this.held !== null;
  }

  private replace(data: Buffer): Buffer {
    let parts: Buffer[] | null = null;
    let at = 0;
    for (;;) {
      let best = -1;
      let len = 0;
      for (const f of this.p.forms) {
        const i = data.indexOf(f, at);
        if (i >= 0 && (best < 0 || i < best)) (best = i), (len = f.byteLength);
      }
      if (best < 0) break;
      (parts ??= []).push(data.subarray(at, best), REDACTED);
      this.count++;
      at = best + len;
    }
    if (!parts) return data;
    parts.push(data.subarray(at));
    return Buffer.concat(parts);
  }

  /** How many bytes at the end of `data` are the start of some secret (never all of one: replace() took those). */
  private prefixAtEnd(data: Buffer): number {
    const from = Math.max(0, data.byteLength - this.p.longest + 1);
    for (let i = from; i < data.byteLength; i++) {
      if (this.p.firstBytes[data[i]!] !== 1) continue;
      const tail = data.subarray(i);
      for (const f of this.p.forms) if (f.byteLength > tail.byteLength && f.subarray(0, tail.byteLength).equals(tail)) return tail.byteLength;
    }
    return 0;
  }
}
