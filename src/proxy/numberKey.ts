/**
 * A string as a 52-bit number, for keying a RowTable (its index holds numbers, so a row
 * keeps no string alive). Two 32-bit hashes under seeds drawn at start, so nobody can pick
 * strings that collide in advance. Collisions are still possible by chance, so a table
 * whose rows grant anything also stores `numberCheck` of the string and compares it on
 * every hit: 104 bits must match.
 */
const SEED_HIGH = (Math.random() * 0x1_0000_0000) >>> 0;
const SEED_LOW = (Math.random() * 0x1_0000_0000) >>> 0;
const SEED_CHECK_HIGH = (Math.random() * 0x1_0000_0000) >>> 0;
const SEED_CHECK_LOW = (Math.random() * 0x1_0000_0000) >>> 0;

export function numberKey(s: string): number {
  return Bun.hash.murmur32v3(s, SEED_HIGH) * 0x10_0000 + (Bun.hash.murmur32v3(s, SEED_LOW) >>> 12);
}

/** A second, independent 52-bit number of the same string, stored in the row to check a hit. */
export function numberCheck(s: string): number {
  return Bun.hash.murmur32v3(s, SEED_CHECK_HIGH) * 0x10_0000 + (Bun.hash.murmur32v3(s, SEED_CHECK_LOW) >>> 12);
}

/** The first 52 bits of a hex digest (already uniform: no second hash needed). */
export function hexKey(hex: string): number {
  return parseInt(hex.slice(0, 13), 16);
}

/** The next 52 bits of a hex digest, to check a hit found by `hexKey`. */
export function hexCheck(hex: string): number {
  return parseInt(hex.slice(13, 26), 16);
}
