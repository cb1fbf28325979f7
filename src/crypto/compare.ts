import { timingSafeEqual, createHash } from "node:crypto";

/**
 * Constant-time equality for tokens and ids. Both sides are hashed first so the
 * comparison takes the same time whatever the lengths, and nothing about the expected
 * value leaks through an early exit.
 */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}
