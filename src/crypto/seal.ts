import { sodium } from "./sodium.ts";
import { Secret } from "./secret.ts";

export const KEY_BYTES = 32;

export class SealError extends Error {
  constructor(
    readonly code: "unknown-key" | "tampered",
    message: string,
  ) {
    super(message);
    this.name = "SealError";
  }
}

/** What the store keeps per credential; never the plaintext. */
export interface Sealed {
  keyId: string;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

/** Master keys by id; `current` seals, any of them opens. */
export interface Keyring {
  current: string;
  keys: Map<string, Uint8Array>;
}

/** A short public name for a key, stored beside each record so rotation knows what opens it. */
export function keyIdOf(key: Uint8Array): string {
  return "k" + sodium.to_hex(sodium.crypto_generichash(8, key, null));
}

/** `(user, service)` bound in as associated data: a sealed value moved to another row won't open. */
export function associatedData(userId: string, service: string): Uint8Array {
  return sodium.from_string(`mcpd/v1\u0000${userId}\u0000${service}`);
}

/** Callers must have awaited `ready()` from ./sodium.ts once. */
export function seal(keyring: Keyring, plaintext: string, ad: Uint8Array): Sealed {
  const key = keyring.keys.get(keyring.current)!;
  const nonce = sodium.randombytes_buf(sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  const ciphertext = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key);
  return { keyId: keyring.current, nonce, ciphertext };
}

export function open(keyring: Keyring, sealed: Sealed, ad: Uint8Array): Secret {
  const key = keyring.keys.get(sealed.keyId);
  if (!key) {
    throw new SealError("unknown-key", `credential was sealed with master key ${sealed.keyId}, which is not available`);
  }
  let bytes: Uint8Array;
  try {
    bytes = sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed.ciphertext, ad, sealed.nonce, key);
  } catch {
    throw new SealError("tampered", "credential does not open: it was altered or belongs to another user or service");
  }
  const secret = new Secret(sodium.to_string(bytes));
  sodium.memzero(bytes);
  return secret;
}
