import { createHash } from "node:crypto";
import type { Secret } from "../crypto/secret.ts";

/** Hex digits kept: enough to tell a user's keys apart, too few to be a useful hash of a weak key. */
const FINGERPRINT_HEX = 16;

/** A short SHA-256 of the key, shown by `user list` so a person can tell which key is stored. */
export function fingerprintOf(secret: Secret): string {
  return createHash("sha256").update(secret.reveal()).digest("hex").slice(0, FINGERPRINT_HEX);
}
