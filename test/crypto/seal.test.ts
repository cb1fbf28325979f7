import { beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { associatedData, keyIdOf, open, seal, type Keyring } from "../../src/crypto/seal.ts";
import { ready } from "../../src/crypto/sodium.ts";

let ring: Keyring;
beforeAll(async () => {
  await ready();
  const key = new Uint8Array(randomBytes(32));
  ring = { current: keyIdOf(key), keys: new Map([[keyIdOf(key), key]]) };
});

describe("sealing", () => {
  test("opens with the same (user, service) and prints as [secret]", () => {
    const s = open(ring, seal(ring, "tok-123", associatedData("alice", "figma")), associatedData("alice", "figma"));
    expect(s.reveal()).toBe("tok-123");
    expect(`${s}`).toBe("[secret]");
    expect(JSON.stringify({ s })).toBe('{"s":"[secret]"}');
    expect(Bun.inspect(s)).toBe("[secret]");
  });

  test("each seal uses a fresh nonce, so equal keys give different ciphertexts", () => {
    const a = seal(ring, "same", associatedData("alice", "figma"));
    const b = seal(ring, "same", associatedData("alice", "figma"));
    expect(Buffer.from(a.nonce).equals(Buffer.from(b.nonce))).toBe(false);
    expect(Buffer.from(a.ciphertext).equals(Buffer.from(b.ciphertext))).toBe(false);
  });

  test("does not open for another user or another service", () => {
    const sealed = seal(ring, "tok", associatedData("alice", "figma"));
    expect(() => open(ring, sealed, associatedData("bob", "figma"))).toThrow("it was altered or belongs to another user or service");
    expect(() => open(ring, sealed, associatedData("alice", "github"))).toThrow("it was altered or belongs to another user or service");
  });

  test("a flipped bit does not open", () => {
    const sealed = seal(ring, "tok", associatedData("alice", "figma"));
    sealed.ciphertext[0]! ^= 1;
    expect(() => open(ring, sealed, associatedData("alice", "figma"))).toThrow("altered");
  });

  test("a record sealed with a key that is not on hand names the key id", () => {
    const sealed = { ...seal(ring, "tok", associatedData("alice", "figma")), keyId: "k0000000000000000" };
    expect(() => open(ring, sealed, associatedData("alice", "figma"))).toThrow("credential was sealed with master key k0000000000000000, which is not available");
  });

  test("(user, service) pairs that concatenate alike still differ", () => {
    const sealed = seal(ring, "tok", associatedData("ab", "c"));
    expect(() => open(ring, sealed, associatedData("a", "bc"))).toThrow("altered");
  });
});
