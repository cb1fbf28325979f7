/**
 * Rows of numbers and short texts in flat buffers, found by a number key.
 *
 * What the proxy keeps per user (resolved instance, opened key, token bucket, counters,
 * session bindings) used to be a few small objects and strings each. Made on a user's
 * first request, among that request's garbage, each one pinned a heap block the garbage
 * had filled, and JSC never moves objects: at 10,000 users the daemon kept ~30 MB for
 * ~8 MB of state. Here a user costs a slot in a NumberIndex and a row in buffers that
 * grow a chunk at a time: no heap object at all. Reads make short-lived strings, which
 * the next collection takes whole.
 */
import { NumberIndex } from "./numberIndex.ts";

/** Rows are added a chunk at a time: no doubling slack, and no copy when the table grows. */
const CHUNK_ROWS = 1024;
const SHIFT = 10;

export class RowTable {
  private readonly index = new NumberIndex();
  private readonly free: number[] = [];
  private used = 0;
  /** each row's key, NaN while the row is free: lets forEach walk rows, not the index */
  private readonly keys: Float64Array[] = [];
  private readonly nums: Float64Array[] = [];
  private readonly texts: Buffer[] = [];
  /** byte offset of each text column inside a row's text area: a uint16 length, then the bytes */
  private readonly textAt: number[] = [];
  private readonly textStride: number;

  /**
   * `fields` numbers per row; `textBytes[i]` is the most UTF-8 bytes text column i holds
   * (`setText` refuses longer ones, so the caller keeps those elsewhere or not at all).
   */
  constructor(
    private readonly fields: number,
    private readonly textBytes: readonly number[] = [],
  ) {
    let at = 0;
    for (const max of textBytes) (this.textAt.push(at), (at += 2 + max));
    this.textStride = at;
  }

  /** The row of `key`, or -1. */
  find(key: number): number {
    return this.index.get(key);
  }

  /** The row of `key`, made (all zeros, texts empty) when missing. */
  insert(key: number): number {
    const had = this.index.get(key);
    if (had >= 0) return had;
    const row = this.free.pop() ?? this.used++;
    if (row >>> SHIFT === this.nums.length) {
      this.keys.push(new Float64Array(CHUNK_ROWS).fill(NaN));
      this.nums.push(new Float64Array(CHUNK_ROWS * this.fields));
      this.texts.push(Buffer.alloc(CHUNK_ROWS * this.textStride));
    }
    this.reset(row);
    this.keys[row >>> SHIFT]![row & (CHUNK_ROWS - 1)] = key;
    this.index.set(key, row);
    return row;
  }

  /** Zeros a row's numbers and wipes its texts, keeping its key. */
  reset(row: number): void {
    const i = row & (CHUNK_ROWS - 1);
    this.nums[row >>> SHIFT]!.fill(0, i * this.fields, (i + 1) * this.fields);
    this.texts[row >>> SHIFT]!.fill(0, i * this.textStride, (i + 1) * this.textStride);
  }

  /** Empties one text column in every row (an opened key must not outlive a reason to drop it). */
  wipeColumn(column: number): void {
    const at = this.textAt[column]!;
    const end = at + 2 + this.textBytes[column]!;
    for (const texts of this.texts) for (let r = 0; r < CHUNK_ROWS; r++) texts.fill(0, r * this.textStride + at, r * this.textStride + end);
  }

  /** Forgets `key`; its texts are overwritten with zeros (an opened key must not linger). */
  remove(key: number): boolean {
    const row = this.index.get(key);
    if (row < 0) return false;
    this.index.delete(key);
    const i = row & (CHUNK_ROWS - 1);
    this.keys[row >>> SHIFT]![i] = NaN;
    this.texts[row >>> SHIFT]!.fill(0, i * this.textStride, (i + 1) * this.textStride);
    this.free.push(row);
    return true;
  }

  /** Every key with its row; `remove` inside the callback is safe. */
  forEach(fn: (key: number, row: number) => void): void {
    for (let row = 0; row < this.used; row++) {
      const key = this.keys[row >>> SHIFT]![row & (CHUNK_ROWS - 1)]!;
      if (!Number.isNaN(key)) fn(key, row);
    }
  }

  num(row: number, field: number): number {
    return this.nums[row >>> SHIFT]![(row & (CHUNK_ROWS - 1)) * this.fields + field]!;
  }

  setNum(row: number, field: number, value: number): void {
    this.nums[row >>> SHIFT]![(row & (CHUNK_ROWS - 1)) * this.fields + field] = value;
  }

  addNum(row: number, field: number, delta: number): void {
    this.nums[row >>> SHIFT]![(row & (CHUNK_ROWS - 1)) * this.fields + field]! += delta;
  }

  text(row: number, column: number): string {
    const texts = this.texts[row >>> SHIFT]!;
    const at = (row & (CHUNK_ROWS - 1)) * this.textStride + this.textAt[column]!;
    return texts.toString("utf8", at + 2, at + 2 + texts.readUInt16LE(at));
  }

  /** Stores `value` in the row's column; false (and the column left empty) if it is too long. */
  setText(row: number, column: number, value: string): boolean {
    const texts = this.texts[row >>> SHIFT]!;
    const at = (row & (CHUNK_ROWS - 1)) * this.textStride + this.textAt[column]!;
    const max = this.textBytes[column]!;
    if (value.length > max || Buffer.byteLength(value, "utf8") > max) {
      texts.fill(0, at, at + 2 + max);
      return false;
    }
    texts.writeUInt16LE(texts.write(value, at + 2, max, "utf8"), at);
    return true;
  }
}
