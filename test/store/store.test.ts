import { afterEach, describe, expect, test } from "bun:test";
import Database from "better-sqlite3";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/index.ts";
import { m001_initial } from "../../src/store/migrations/001_initial.ts";
import { SCHEMA_VERSION } from "../../src/store/migrations/index.ts";
import { tempDir } from "../helpers/tmp.ts";

let tmp: ReturnType<typeof tempDir>;
const open: Store[] = [];
afterEach(() => {
  for (const s of open.splice(0)) if (s.db.open) s.close();
  tmp?.cleanup();
});

function fresh(): { store: Store; dbFile: string } {
  tmp = tempDir("mcpd-store");
  const dbFile = join(tmp.dir, "data", "mcpd.db");
  const store = openStore(dbFile);
  open.push(store);
  return { store, dbFile };
}

const instance = (userId: string, n: number) => ({ idHash: `hash-${userId}-${n}`, ref: `demo_${userId}_${n}`, userId, service: "demo", createdAt: n });

describe("the store", () => {
  test("is a WAL SQLite file migrated to the current schema version, and reopening is a no-op", () => {
    const { store, dbFile } = fresh();
    expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(store.db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    store.close();
    const again = openStore(dbFile);
    open.push(again);
    expect(again.db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    const tables = again.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(["audit", "credentials", "instances", "users"]);
  });

  test("a database made by the first schema is brought up to date with its audit rows, which still answer by user", () => {
    tmp = tempDir("mcpd-store");
    const dbFile = join(tmp.dir, "mcpd.db");
    const raw = new Database(dbFile);
    raw.exec(m001_initial);
    raw.pragma("user_version = 1");
    const row = (ts: number, user: string) => ({ ts, userId: user, service: "demo", instance: `demo_${user}`, method: "tools/call", tool: "echo", status: 200, latencyMs: 1, bytesIn: 1, bytesOut: 1, event: null });
    const insert = raw.prepare(`INSERT INTO audit (ts, user_id, service, instance, method, tool, status, latency_ms, bytes_in, bytes_out, event)
      VALUES (@ts, @userId, @service, @instance, @method, @tool, @status, @latencyMs, @bytesIn, @bytesOut, @event)`);
    for (const r of [row(1, "alice"), row(2, "bob"), row(3, "alice")]) insert.run(r);
    raw.close();
    const store = openStore(dbFile);
    open.push(store);
    expect(store.db.pragma("user_version", { simple: true })).toBe(SCHEMA_VERSION);
    // The audit index that put every appended row at a random place (one per user) is gone.
    expect(store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit' ORDER BY name").pluck().all()).toEqual(["audit_service_ts", "audit_ts"]);
    expect(store.audit.query({ userId: "alice" }).map((r) => r.ts)).toEqual([3, 1]);
  });

  test("a database from a newer mcpd is refused rather than misread", () => {
    const { store, dbFile } = fresh();
    store.close();
    const raw = new Database(dbFile);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openStore(dbFile)).toThrow(`database schema version ${SCHEMA_VERSION + 1} is newer than this mcpd understands`);
  });

  test("at most one live instance per user and service; revoked ones may pile up", () => {
    const { store } = fresh();
    store.instances.add(instance("alice", 1));
    expect(() => store.instances.add(instance("alice", 2))).toThrow(/UNIQUE/);
    store.instances.revoke("hash-alice-1", 5);
    store.instances.add(instance("alice", 2));
    expect(store.instances.liveFor("alice", "demo")!.ref).toBe("demo_alice_2");
  });

  test("the status counts (users, live instances, users per service) come from SQLite and skip revoked instances", () => {
    const { store } = fresh();
    for (const u of ["alice", "bob", "carol"]) store.users.ensure(u, 1);
    store.instances.add(instance("alice", 1));
    store.instances.add({ ...instance("alice", 2), service: "figma" });
    store.instances.add(instance("bob", 1));
    store.instances.revoke("hash-bob-1", 5);
    store.instances.add(instance("bob", 2));
    store.instances.add(instance("carol", 1));
    store.instances.revoke("hash-carol-1", 5);
    expect(store.users.count()).toBe(3);
    expect(store.instances.countLive()).toBe(3);
    expect(store.instances.liveUsersPerService()).toEqual(new Map([["demo", 2], ["figma", 1]]));
  });

  test("a transaction that throws leaves nothing behind", () => {
    const { store } = fresh();
    expect(() =>
      store.tx(() => {
        store.users.ensure("alice", 1);
        store.instances.add(instance("alice", 1));
        throw new Error("crash in the middle");
      }),
    ).toThrow("crash in the middle");
    expect(store.users.list()).toEqual([]);
    expect(store.instances.listLive()).toEqual([]);
  });

  test("deleting a user deletes their sealed keys", () => {
    const { store } = fresh();
    store.users.ensure("alice", 1);
    store.credentials.put({ userId: "alice", service: "demo", keyId: "k1", nonce: new Uint8Array(24), ciphertext: new Uint8Array(20), fingerprint: "f", updatedAt: 1 });
    store.users.remove("alice");
    expect(store.credentials.list()).toEqual([]);
  });

});
