import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { rotateMasterKey } from "../../src/accounts/rotateMasterKey.ts";
import { fingerprintOf } from "../../src/accounts/fingerprint.ts";
import { keyFiles, keyIdOfFile, loadKeyring } from "../../src/crypto/masterKey.ts";
import { associatedData, open, seal } from "../../src/crypto/seal.ts";
import { Secret } from "../../src/crypto/secret.ts";
import { TEST_MASTER_KEY } from "../helpers/tmp.ts";
import { waitFor } from "../helpers/net.ts";
import { world, type World } from "./world.ts";

let w: World;
let child: Bun.Subprocess | undefined;
afterEach(async () => {
  child?.kill("SIGKILL");
  await child?.exited;
  child = undefined;
  w?.cleanup();
});

const plaintextOf = (user: string) => `key-of-${user}`;

/** n users with a sealed key each, written in one transaction (what n `user add` would leave). */
async function seed(w: World, n: number): Promise<void> {
  const keyring = await loadKeyring(w.keyFile, { create: true, env: {} });
  const now = Date.now();
  w.store.tx(() => {
    for (let i = 0; i < n; i++) {
      const userId = `user${i}`;
      w.store.users.ensure(userId, now);
      const secret = new Secret(plaintextOf(userId));
      w.store.credentials.put({ userId, service: "demo", ...seal(keyring, secret.reveal(), associatedData(userId, "demo")), fingerprint: fingerprintOf(secret), updatedAt: now });
    }
  });
}

/** Opens every record with only the keys on disk; returns the key ids in use. */
async function everyRecordOpens(w: World): Promise<Set<string>> {
  const keyring = await loadKeyring(w.keyFile, { create: false, env: {} });
  const rows = w.store.credentials.list();
  for (const row of rows) expect(open(keyring, row, associatedData(row.userId, row.service)).reveal()).toBe(plaintextOf(row.userId));
  return new Set(rows.map((r) => r.keyId));
}

const FIXTURE = join(import.meta.dir, "fixtures/rotateAndHang.ts");

/** Runs a real rotation in a child process and SIGKILLs it where the fixture halts. */
async function killRotation(w: World, ...where: string[]): Promise<void> {
  child = Bun.spawn([process.execPath, FIXTURE, w.dbFile, w.keyFile, ...where], { stdout: "pipe", stderr: "inherit" });
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  let out = "";
  await waitFor(async () => {
    const { value, done } = await reader.read();
    if (done) throw new Error(`rotation exited before halting: ${out}`);
    out += new TextDecoder().decode(value);
    return out.includes("halted");
  }, { timeoutMs: 20_000, what: "the rotation to halt" });
  child.kill("SIGKILL");
  expect(await child.exited).not.toBe(0);
  expect(child.signalCode).toBe("SIGKILL");
}

describe("mcpd key rotate", () => {
  test("re-seals every record under a new key and deletes the old one; every record still opens", async () => {
    w = world();
    await seed(w, 50);
    const oldId = keyIdOfFile(w.keyFile);
    const r = await rotateMasterKey({ store: w.store, keyFile: w.keyFile, env: {} });
    expect(r).toMatchObject({ resealed: 50, oldKeyId: oldId, resumed: false });
    expect(r.newKeyId).not.toBe(oldId);
    expect(keyIdOfFile(w.keyFile)).toBe(r.newKeyId);
    expect(existsSync(keyFiles(w.keyFile).next)).toBe(false);
    expect(existsSync(keyFiles(w.keyFile).previous)).toBe(false);
    expect(await everyRecordOpens(w)).toEqual(new Set([r.newKeyId]));
    const keyring = await loadKeyring(w.keyFile, { create: false, env: {} });
    expect([...keyring.keys.keys()]).toEqual([r.newKeyId]);
  });

  test("killed half-way through its transaction, nothing changed and every record opens; run again, it finishes", async () => {
    w = world();
    await seed(w, 400);
    const oldId = keyIdOfFile(w.keyFile);
    await killRotation(w, "mid", "200");
    expect(keyIdOfFile(w.keyFile)).toBe(oldId);
    expect(existsSync(keyFiles(w.keyFile).next)).toBe(true);
    const pendingId = keyIdOfFile(keyFiles(w.keyFile).next);
    // The transaction never committed: no record uses the new key, and all open with the keys on disk.
    expect(await everyRecordOpens(w)).toEqual(new Set([oldId]));

    const again = await rotateMasterKey({ store: w.store, keyFile: w.keyFile, env: {} });
    expect(again).toMatchObject({ resealed: 400, oldKeyId: oldId, newKeyId: pendingId, resumed: true });
    expect(await everyRecordOpens(w)).toEqual(new Set([pendingId]));
    expect(existsSync(keyFiles(w.keyFile).next)).toBe(false);
  });

  test("killed after the commit but before the key swap, every record opens with the key left on disk", async () => {
    w = world();
    await seed(w, 20);
    const oldId = keyIdOfFile(w.keyFile);
    await killRotation(w, "before-promote");
    const pendingId = keyIdOfFile(keyFiles(w.keyFile).next);
    expect(keyIdOfFile(w.keyFile)).toBe(oldId);
    expect(await everyRecordOpens(w)).toEqual(new Set([pendingId]));

    const again = await rotateMasterKey({ store: w.store, keyFile: w.keyFile, env: {} });
    expect(again).toMatchObject({ newKeyId: pendingId, resumed: true });
    expect(keyIdOfFile(w.keyFile)).toBe(pendingId);
    expect(await everyRecordOpens(w)).toEqual(new Set([pendingId]));
  });

  test("a record that does not open stops the rotation before anything is written, naming the record", async () => {
    w = world();
    await seed(w, 3);
    w.store.db.exec("UPDATE credentials SET ciphertext = zeroblob(length(ciphertext)) WHERE user_id = 'user1'");
    const keyBefore = readFileSync(w.keyFile);
    await expect(rotateMasterKey({ store: w.store, keyFile: w.keyFile, env: {} })).rejects.toThrow(
      "the key of user user1 for demo does not open (credential does not open: it was altered or belongs to another user or service); nothing was changed",
    );
    expect(readFileSync(w.keyFile)).toEqual(keyBefore);
    expect(existsSync(keyFiles(w.keyFile).next)).toBe(false);
  });

  test("refuses when the key comes from MCPD_MASTER_KEY", async () => {
    w = world();
    await expect(rotateMasterKey({ store: w.store, keyFile: w.keyFile, env: { MCPD_MASTER_KEY: TEST_MASTER_KEY } })).rejects.toThrow(
      "the master key comes from MCPD_MASTER_KEY, so there is no key file to rotate",
    );
    expect(existsSync(w.keyFile)).toBe(false);
  });

  test("refuses when there is no key yet", async () => {
    w = world();
    await expect(rotateMasterKey({ store: w.store, keyFile: w.keyFile, env: {} })).rejects.toThrow(`${w.keyFile}: no master key yet, so nothing to rotate`);
  });
});
