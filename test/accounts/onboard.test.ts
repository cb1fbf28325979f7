import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, existsSync, writeFileSync } from "node:fs";
import { addUser } from "../../src/accounts/onboard.ts";
import { assertSealingKeyCurrent } from "../../src/accounts/keyGuard.ts";
import { hashInstanceId, refOf } from "../../src/accounts/instanceId.ts";
import { issueInstance } from "../../src/accounts/issueInstance.ts";
import { removeUser } from "../../src/accounts/removeUser.ts";
import { rotateInstance } from "../../src/accounts/rotateInstance.ts";
import { rotateMasterKey } from "../../src/accounts/rotateMasterKey.ts";
import { loadKeyring, keyFiles, newKey, writeKeyFile } from "../../src/crypto/masterKey.ts";
import { associatedData, open } from "../../src/crypto/seal.ts";
import { Secret } from "../../src/crypto/secret.ts";
import { freePort } from "../helpers/net.ts";
import { acceptsOnly, fakeApi, FAKE_API_ENV, world, type FakeApi, type World } from "./world.ts";

let w: World;
let api: FakeApi | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
  w?.cleanup();
});

const KEY = "figd_Zq8Lr4Tn2Wp6Xv0Yb3Hc5Jd7";

function counts(w: World) {
  const one = (sql: string) => (w.store.db.prepare(sql).pluck().get() as number) ?? 0;
  return { users: one("SELECT count(*) FROM users"), credentials: one("SELECT count(*) FROM credentials"), instances: one("SELECT count(*) FROM instances") };
}

describe("onboarding against the service's API", () => {
  test("an accepted key is sealed and stored, and one instance is made", async () => {
    w = world();
    api = fakeApi(acceptsOnly(KEY));
    const r = await addUser({ store: w.store, keyFile: w.keyFile, env: { [FAKE_API_ENV]: api.url } }, { userId: "alice", service: w.service("fake"), secret: new Secret(KEY) });
    expect(r).toMatchObject({ userId: "alice", service: "fake", instance: "created", key: "stored", validated: "http" });
    expect(r.instanceId).toMatch(/^fk_alice_[0-9A-Za-z]{22}$/);
    const idHash = hashInstanceId(r.instanceId!);
    expect(r.ref).toBe(refOf("fk", "alice", idHash));
    expect(w.store.instances.findByHash(idHash)).toMatchObject({ userId: "alice", service: "fake", revokedAt: null });

    const keyring = await loadKeyring(w.keyFile, { create: false, env: {} });
    const row = w.store.credentials.get("alice", "fake")!;
    expect(open(keyring, row, associatedData("alice", "fake")).reveal()).toBe(KEY);
    expect(row.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  test("a rejected key stores nothing and says which service rejected it with what status", async () => {
    w = world();
    api = fakeApi(acceptsOnly("someone-else"));
    const attempt = addUser({ store: w.store, keyFile: w.keyFile, env: { [FAKE_API_ENV]: api.url } }, { userId: "alice", service: w.service("fake"), secret: new Secret(KEY) });
    await expect(attempt).rejects.toThrow(`fake rejected the key (HTTP 403 from GET ${api.url}/v1/me); nothing was stored`);
    expect(counts(w)).toEqual({ users: 0, credentials: 0, instances: 0 });
    expect(existsSync(w.keyFile)).toBe(false);
  });

  test("an unreachable API says so and stores nothing", async () => {
    w = world();
    const port = await freePort();
    const attempt = addUser({ store: w.store, keyFile: w.keyFile, env: { [FAKE_API_ENV]: `http://127.0.0.1:${port}` } }, { userId: "alice", service: w.service("fake"), secret: new Secret(KEY) });
    await expect(attempt).rejects.toMatchObject({ code: "key-unreachable" });
    await expect(attempt).rejects.toThrow(/^cannot reach fake to check the key .*nothing was stored$/);
    expect(counts(w)).toEqual({ users: 0, credentials: 0, instances: 0 });
  });

  test("--no-validate stores the key without calling the API", async () => {
    w = world();
    api = fakeApi(acceptsOnly("someone-else"));
    const r = await addUser({ store: w.store, keyFile: w.keyFile, env: { [FAKE_API_ENV]: api.url } }, { userId: "alice", service: w.service("fake"), secret: new Secret(KEY), validate: false });
    expect(r).toMatchObject({ validated: "skipped", instance: "created" });
    expect(api.seen).toHaveLength(0);
  });

  test("a service that takes no key reports validated \"none\", as the README says", async () => {
    w = world([{ name: "open", prefix: "open", port: 49992, run: { builtin: "demo" } }]);
    const r = await addUser({ store: w.store, keyFile: w.keyFile }, { userId: "alice", service: w.service("open"), secret: null });
    expect(r).toMatchObject({ validated: "none", key: "none", instance: "created" });
  });
});

describe("one instance per user per service", () => {
  const add = (w: World, key: string, rotate = false) =>
    addUser({ store: w.store, keyFile: w.keyFile }, { userId: "alice", service: w.service("demo"), secret: new Secret(key), rotate });

  test("adding a key again replaces the key and keeps the instance, so the URL still works", async () => {
    w = world();
    const first = await add(w, "key-one");
    const again = await add(w, "key-two");
    expect(again).toMatchObject({ instance: "kept", key: "replaced", ref: first.ref, instanceId: null });
    expect(again.fingerprint).not.toBe(first.fingerprint);
    expect(w.store.instances.findByHash(hashInstanceId(first.instanceId!))!.revokedAt).toBeNull();
    const keyring = await loadKeyring(w.keyFile, { create: false, env: {} });
    expect(open(keyring, w.store.credentials.get("alice", "demo")!, associatedData("alice", "demo")).reveal()).toBe("key-two");
    expect(counts(w)).toEqual({ users: 1, credentials: 1, instances: 1 });
  });

  test("with rotate, the old instance is revoked and a new one made", async () => {
    w = world();
    const first = await add(w, "key-one");
    const rotated = await add(w, "key-one", true);
    expect(rotated.instance).toBe("rotated");
    expect(rotated.ref).not.toBe(first.ref);
    expect(w.store.instances.findByHash(hashInstanceId(first.instanceId!))!.revokedAt).not.toBeNull();
    expect(w.store.instances.liveFor("alice", "demo")!.ref).toBe(rotated.ref);
  });

  test("a bad user id is refused before anything is stored", async () => {
    w = world();
    const attempt = addUser({ store: w.store, keyFile: w.keyFile }, { userId: "al ice", service: w.service("demo"), secret: new Secret("k") });
    await expect(attempt).rejects.toThrow('user "al ice": use 1-64 letters, digits and . _ @ + -');
    expect(counts(w).users).toBe(0);
  });
});

describe("sealing at rest", () => {
  test("neither the database nor its WAL ever holds a key in plaintext", async () => {
    w = world();
    const keys = Array.from({ length: 20 }, (_, i) => `PLAINTEXT-CANARY-${i}-${"x".repeat(i)}`);
    for (const [i, key] of keys.entries()) {
      await addUser({ store: w.store, keyFile: w.keyFile }, { userId: `user${i}`, service: w.service("demo"), secret: new Secret(key) });
    }
    const files = () => [w.dbFile, `${w.dbFile}-wal`].filter(existsSync).map((f) => readFileSync(f));
    const leaks = (bytes: Buffer[]) =>
      keys.filter((k) => bytes.some((b) => b.includes(k) || b.includes(Buffer.from(k).toString("base64")) || b.includes(Buffer.from(k).toString("hex"))));
    const live = files();
    expect(live.length).toBe(2); // the WAL is there while the store is open, so it is searched too
    expect(live.some((b) => b.includes("user19"))).toBe(true); // the search can see what is stored
    expect(leaks(live)).toEqual([]);
    w.store.close();
    expect(leaks(files())).toEqual([]);
  });

  test("a sealed value copied onto another user's row does not open", async () => {
    w = world();
    await addUser({ store: w.store, keyFile: w.keyFile }, { userId: "alice", service: w.service("demo"), secret: new Secret("alice-key") });
    await addUser({ store: w.store, keyFile: w.keyFile }, { userId: "bob", service: w.service("demo"), secret: new Secret("bob-key") });
    w.store.db.exec(`UPDATE credentials SET nonce = (SELECT nonce FROM credentials WHERE user_id = 'alice'),
      ciphertext = (SELECT ciphertext FROM credentials WHERE user_id = 'alice') WHERE user_id = 'bob'`);
    const keyring = await loadKeyring(w.keyFile, { create: false, env: {} });
    const bobRow = w.store.credentials.get("bob", "demo")!;
    expect(() => open(keyring, bobRow, associatedData("bob", "demo"))).toThrow("credential does not open: it was altered or belongs to another user or service");
    // the same bytes still open where they belong
    expect(open(keyring, bobRow, associatedData("alice", "demo")).reveal()).toBe("alice-key");
  });
});

describe("onboarding and key rotation never strand a record", () => {
  test("while a rotation is pending (master.key.new on disk) onboarding waits for it, then refuses and says how to finish it", async () => {
    w = world();
    await addUser({ store: w.store, keyFile: w.keyFile }, { userId: "alice", service: w.service("demo"), secret: new Secret("k1") });
    writeKeyFile(keyFiles(w.keyFile).next, newKey());
    const attempt = addUser({ store: w.store, keyFile: w.keyFile, rotationWaitMs: 300 }, { userId: "bob", service: w.service("demo"), secret: new Secret("k2") });
    await expect(attempt).rejects.toThrow('a master key rotation is running or was cut short; nothing was stored: run "mcpd key rotate" to finish it');
    expect(w.store.users.get("bob")).toBeUndefined();
  });

  test("a rotation that finishes while onboarding waits: the record is sealed under the new key", async () => {
    w = world();
    await addUser({ store: w.store, keyFile: w.keyFile }, { userId: "alice", service: w.service("demo"), secret: new Secret("k1") });
    writeKeyFile(keyFiles(w.keyFile).next, newKey());
    const attempt = addUser({ store: w.store, keyFile: w.keyFile }, { userId: "bob", service: w.service("demo"), secret: new Secret("k2") });
    const rotated = await rotateMasterKey({ store: w.store, keyFile: w.keyFile });
    expect(await attempt).toMatchObject({ userId: "bob", key: "stored" });
    expect(w.store.credentials.get("bob", "demo")!.keyId).toBe(rotated.newKeyId);
  });

  test("a keyring loaded before the key file changed is refused inside the transaction", async () => {
    w = world();
    await addUser({ store: w.store, keyFile: w.keyFile }, { userId: "alice", service: w.service("demo"), secret: new Secret("k1") });
    const before = await loadKeyring(w.keyFile, { create: false, env: {} });
    expect(() => assertSealingKeyCurrent(before, w.keyFile, {})).not.toThrow();
    writeFileSync(w.keyFile, Buffer.from(newKey()).toString("base64"), { mode: 0o600 });
    expect(() => assertSealingKeyCurrent(before, w.keyFile, {})).toThrow("the master key was rotated while this command ran");
  });
});

describe("user ids people already have", () => {
  const demo = (w: World, userId: string) => addUser({ store: w.store, keyFile: w.keyFile, env: {} }, { userId, service: w.service("demo"), secret: new Secret(`key-${userId}`) });

  test("login names and e-mail addresses are user ids; ALICE and alice are one user, stored in lower case", async () => {
    w = world();
    expect((await demo(w, "alice_smith")).userId).toBe("alice_smith");
    const mail = await demo(w, "Alice@Example.com");
    expect(mail).toMatchObject({ userId: "alice@example.com", instance: "created" });
    expect(mail.instanceId).toMatch(/^demo_alice@example\.com_[0-9A-Za-z]{22}$/);
    const first = await demo(w, "ALICE");
    expect(first).toMatchObject({ userId: "alice", instance: "created" });
    const again = await demo(w, "alice");
    expect(again).toMatchObject({ userId: "alice", instance: "kept", ref: first.ref, key: "replaced" });
    expect(w.store.users.list().map((u) => u.id)).toEqual(["alice", "alice@example.com", "alice_smith"]);
    expect(removeUser(w.store, "ALICE@example.COM")).toMatchObject({ userId: "alice@example.com", userRemoved: true });
  });

  test("a user stored before ids ignored case keeps its spelling, its URL and its key, whatever case names it", async () => {
    w = world();
    const made = issueInstance(w.store, "Jane-Doe", w.service("demo"), (w.store.users.ensure("Jane-Doe", 1), 1));
    const r = await demo(w, "jane-doe");
    expect(r).toMatchObject({ userId: "Jane-Doe", instance: "kept", ref: made.ref, key: "stored" });
    expect(w.store.instances.findByHash(hashInstanceId(made.instanceId))).toMatchObject({ userId: "Jane-Doe", revokedAt: null });
    expect(rotateInstance(w.store, w.registry, { userId: "JANE-DOE", service: "demo" })).toMatchObject({ userId: "Jane-Doe", oldRef: made.ref });
    expect(removeUser(w.store, "jane-DOE").userId).toBe("Jane-Doe");
  });

  test("two stored users that differ only in case: the exact spelling picks one, any other says why it cannot", async () => {
    w = world();
    for (const id of ["ALICE", "alice"]) w.store.users.ensure(id, 1);
    expect((await demo(w, "ALICE")).userId).toBe("ALICE");
    expect((await demo(w, "alice")).userId).toBe("alice");
    await expect(demo(w, "Alice")).rejects.toThrow('user "Alice" could be "ALICE" or "alice": they were made before user ids ignored case; give one exactly as mcpd user list shows it');
    expect(() => removeUser(w.store, "aLiCe")).toThrow(/could be "ALICE" or "alice"/);
  });

  test("an id that is no login name or e-mail address is refused, saying what is allowed", async () => {
    w = world();
    for (const bad of ["alice smith", "-alice", "a/b", "x".repeat(65), "é"]) {
      await expect(demo(w, bad)).rejects.toThrow(`user "${bad}": use 1-64 letters, digits and . _ @ + - (a login name or an e-mail address), starting with a letter or digit`);
    }
  });
});
