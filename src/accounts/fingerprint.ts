import { createHash } from "node:crypto";
import type { Secret } from "../crypto/secret.ts";
import { fieldsOf, valuesOf } from "../registry/fields.ts";
import type { Service } from "../registry/schema.ts";

/** Hex digits kept: enough to tell a user's keys apart, too few to be a useful hash of a weak key. */
const FINGERPRINT_HEX = 16;

const hashOf = (value: string) => createHash("sha256").update(value).digest("hex").slice(0, FINGERPRINT_HEX);

/**
 * A short SHA-256 of the key, shown by `user list` so a person can tell which key is
 * stored. With named fields, one per secret field (`token:1a2b… client_secret:9f8e…`);
 * non-secret fields are not part of it, and no value is ever shown.
 */
export function fingerprintOf(secret: Secret, credential?: Service["credential"]): string {
  if (!credential?.fields) return hashOf(secret.reveal());
  const values = valuesOf(credential, secret);
  const parts = fieldsOf(credential)
    .filter((f) => f.secret && values[f.name] !== undefined)
    .map((f) => `${f.name}:${hashOf(values[f.name]!)}`);
  // No secret field at all: the record as a whole still tells two users' values apart.
  return parts.length ? parts.join(" ") : hashOf(secret.reveal());
}
