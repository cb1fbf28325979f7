import { afterEach, describe, expect, test } from "bun:test";
import { addUser } from "../../src/accounts/onboard.ts";
import { removeUser } from "../../src/accounts/removeUser.ts";
import { rotateInstance } from "../../src/accounts/rotateInstance.ts";
import { hashInstanceId } from "../../src/accounts/instanceId.ts";
import { listAccounts } from "../../src/accounts/listAccounts.ts";
import { Secret } from "../../src/crypto/secret.ts";
import { InstanceTable } from "../../src/proxy/instanceTable.ts";
import { Resolver } from "../../src/proxy/resolve.ts";
import { openStore } from "../../src/store/index.ts";
import { demoConfig, world, type World } from "./world.ts";

let w: World;
afterEach(() => w?.cleanup());

const other = { ...demoConfig, name: "other", prefix: "oth", port: 49992 };

async function onboard(w: World, userId: string, service = "demo") {
  const r = await addUser({ store: w.store, keyFile: w.keyFile }, { userId, service: w.service(service), secret: new Secret(`${userId}-key`) });
  return { id: r.instanceId!, ref: r.ref };
}

/** The proxy's own lookup, on a second connection as the running daemon would have. */
function resolverOf(w: World) {
  const daemonStore = openStore(w.dbFile);
  return { resolve: (id: string, service = "demo") => new Resolver(daemonStore, new InstanceTable()).resolve(id, service), close: () => daemonStore.close() };
}

describe("instance rotate", () => {
  test("by full id: a new ref, the old hash revoked, and the old URL refused at once", async () => {
    w = world([demoConfig]);
    const old = await onboard(w, "alice");
    const r = rotateInstance(w.store, w.registry, { idOrRef: old.id });
    expect(r).toMatchObject({ userId: "alice", service: "demo", oldRef: old.ref });
    expect(r.ref).not.toBe(old.ref);
    expect(r.instanceId).toMatch(/^demo_alice_[0-9A-Za-z]{22}$/);
    expect(w.store.instances.findByHash(hashInstanceId(old.id))!.revokedAt).not.toBeNull();
    const proxy = resolverOf(w);
    try {
      expect(proxy.resolve(old.id)).toMatchObject({ ok: false, status: 403, code: "revoked" });
      expect(proxy.resolve(r.instanceId)).toMatchObject({ ok: true, instance: { userId: "alice", ref: r.ref } });
    } finally {
      proxy.close();
    }
  });

  test("by ref, or by user and service, rotates the live instance", async () => {
    w = world([demoConfig]);
    const old = await onboard(w, "alice");
    const byRef = rotateInstance(w.store, w.registry, { idOrRef: old.ref });
    expect(byRef.oldRef).toBe(old.ref);
    const byUser = rotateInstance(w.store, w.registry, { userId: "alice", service: "demo" });
    expect(byUser.oldRef).toBe(byRef.ref);
    expect(w.store.instances.liveFor("alice", "demo")!.ref).toBe(byUser.ref);
  });

  test("an already-revoked instance is refused with the command that rotates the live one", async () => {
    w = world([demoConfig]);
    const old = await onboard(w, "alice");
    rotateInstance(w.store, w.registry, { idOrRef: old.ref });
    expect(() => rotateInstance(w.store, w.registry, { idOrRef: old.ref })).toThrow(
      `instance ${old.ref} was already revoked; rotate the live one with: mcpd instance rotate --user alice --service demo`,
    );
  });

  test("an unknown full id is refused without echoing it (it is a bearer secret)", async () => {
    w = world([demoConfig]);
    await onboard(w, "alice");
    const guess = "demo_alice_AAAAAAAAAAAAAAAAAAAAAA";
    let message = "";
    try {
      rotateInstance(w.store, w.registry, { idOrRef: guess });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe("no instance matches that id; give an instance URL's id or a ref from: mcpd user list");
    expect(() => rotateInstance(w.store, w.registry, { idOrRef: "demo_alice_0badf00d" })).toThrow('no instance matches "demo_alice_0badf00d"');
  });
});

describe("user remove", () => {
  test("revokes every URL of the user and deletes their keys; other users keep working", async () => {
    w = world([demoConfig, other]);
    const a1 = await onboard(w, "alice");
    const a2 = await onboard(w, "alice", "other");
    const b = await onboard(w, "bob");
    const r = removeUser(w.store, "alice");
    expect(r).toEqual({ userId: "alice", services: ["demo", "other"], revokedInstances: 2, deletedKeys: 2, userRemoved: true });
    const proxy = resolverOf(w);
    try {
      expect(proxy.resolve(a1.id)).toMatchObject({ ok: false, status: 403 });
      expect(proxy.resolve(a2.id, "other")).toMatchObject({ ok: false, status: 403 });
      expect(proxy.resolve(b.id)).toMatchObject({ ok: true });
    } finally {
      proxy.close();
    }
    expect(w.store.credentials.listOfUser("alice")).toEqual([]);
    expect(listAccounts(w.store).map((a) => a.userId)).toEqual(["bob"]);
  });

  test("--service revokes only that service's URL and keeps the user", async () => {
    w = world([demoConfig, other]);
    const a1 = await onboard(w, "alice");
    const a2 = await onboard(w, "alice", "other");
    expect(removeUser(w.store, "alice", { service: "other" })).toEqual({ userId: "alice", services: ["other"], revokedInstances: 1, deletedKeys: 1, userRemoved: false });
    const proxy = resolverOf(w);
    try {
      expect(proxy.resolve(a1.id)).toMatchObject({ ok: true });
      expect(proxy.resolve(a2.id, "other")).toMatchObject({ ok: false, status: 403 });
    } finally {
      proxy.close();
    }
    expect(listAccounts(w.store).map((a) => `${a.userId}/${a.service}`)).toEqual(["alice/demo"]);
  });

  test("an unknown user, or a service the user is not on, is an error", async () => {
    w = world([demoConfig, other]);
    await onboard(w, "alice");
    expect(() => removeUser(w.store, "nobody")).toThrow('no user "nobody" (see: mcpd user list)');
    expect(() => removeUser(w.store, "alice", { service: "other" })).toThrow('user "alice" has nothing on service "other"');
    expect(w.store.instances.liveOf("alice")).toHaveLength(1);
  });
});
