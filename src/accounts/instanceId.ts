import { randomBytes } from "node:crypto";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** 22 base62 digits carry 130 bits; DESIGN.md asks for at least 128 from a CSPRNG. */
const RANDOM_DIGITS = 22;

/** Base62 by rejection sampling, so every digit is uniform (no modulo bias). */
function randomBase62(n: number): string {
  let out = "";
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b < 248 && out.length < n) out += BASE62[b % 62];
    }
  }
  return out;
}

/** `{prefix}_{userId}_{random}`: readable, but only the whole string grants anything. */
export function newInstanceId(prefix: string, userId: string): string {
  return `${prefix}_${userId}_${randomBase62(RANDOM_DIGITS)}`;
}

/** The store keeps and looks up only this, never the id itself. */
export function hashInstanceId(id: string): string {
  // Bun's one-shot SHA-256: the same digest as node:crypto's, at a third of the cost (it runs on every request).
  return Bun.SHA256.hash(id, "hex") as string;
}

/** A short public name for an instance, safe for logs, the audit table and the CLI. */
export function refOf(prefix: string, userId: string, idHash: string): string {
  return `${prefix}_${userId}_${idHash.slice(0, 8)}`;
}

/**
 * The user id inside a ref made by `refOf`: the prefix is letters and the last part hex
 * (base62 in an id), so the first and the last "_" bound the user id whatever "_" it has
 * inside: the ref splits one way only. Lets a table keep the ref and not the id beside it.
 */
export function userOfRef(ref: string): string {
  return ref.slice(ref.indexOf("_") + 1, ref.lastIndexOf("_"));
}

/**
 * User ids appear in URLs, headers and logs: letters, digits and `. _ @ + -`, which cover
 * login names (alice_smith) and e-mail addresses (alice+mcp@example.com). Each of them is
 * taken as it is in a URL path (RFC 3986 pchar), so the id needs no escaping or slug.
 */
export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
