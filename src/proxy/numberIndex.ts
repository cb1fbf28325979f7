/**
 * A map from 52-bit number keys to row numbers in two typed arrays (open addressing,
 * linear probing). A JSC Map entry costs ~58 bytes of heap; a slot here costs 12, kept
 * under 3/4 full.
 */
export class NumberIndex {
  private keys: Float64Array;
  /** row + 1; 0 marks an empty slot */
  private rows: Int32Array;
  private mask: number;
  private count = 0;

  constructor(initialSlots = 1024) {
    this.keys = new Float64Array(initialSlots);
    this.rows = new Int32Array(initialSlots);
    this.mask = initialSlots - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The row of `key`, or -1. */
  get(key: number): number {
    for (let i = this.slotOf(key); ; i = (i + 1) & this.mask) {
      const r = this.rows[i]!;
      if (r === 0) return -1;
      if (this.keys[i] === key) return r - 1;
    }
  }

  /** Sets `key` to `row` (replacing any row it had). */
  set(key: number, row: number): void {
    if ((this.count + 1) * 4 > this.keys.length * 3) this.resize(this.keys.length * 2);
    let i = this.slotOf(key);
    while (this.rows[i] !== 0 && this.keys[i] !== key) i = (i + 1) & this.mask;
    if (this.rows[i] === 0) this.count++;
    this.keys[i] = key;
    this.rows[i] = row + 1;
  }

  delete(key: number): boolean {
    let i = this.slotOf(key);
    for (; ; i = (i + 1) & this.mask) {
      if (this.rows[i] === 0) return false;
      if (this.keys[i] === key) break;
    }
    // Backward shift: move later entries of the run up into the hole, so lookups never
    // need tombstones to keep probing.
    for (let j = (i + 1) & this.mask; this.rows[j] !== 0; j = (j + 1) & this.mask) {
      const home = this.slotOf(this.keys[j]!);
      // j's entry may fill the hole at i only if its home slot is not inside (i, j].
      if (((j - home) & this.mask) >= ((j - i) & this.mask)) {
        this.keys[i] = this.keys[j]!;
        this.rows[i] = this.rows[j]!;
        i = j;
      }
    }
    this.rows[i] = 0;
    this.count--;
    return true;
  }

  /** Keys are uniform (hashes), so their low 32 bits are a fine slot. */
  private slotOf(key: number): number {
    return (key >>> 0) & this.mask;
  }

  private resize(slots: number): void {
    const { keys, rows } = this;
    this.keys = new Float64Array(slots);
    this.rows = new Int32Array(slots);
    this.mask = slots - 1;
    this.count = 0;
    for (let i = 0; i < keys.length; i++) if (rows[i] !== 0) this.set(keys[i]!, rows[i]! - 1);
  }
}
