import { afterEach, expect, test } from "bun:test";
import { addUser } from "../../src/accounts/onboard.ts";
import { loadKeyring } from "../../src/crypto/masterKey.ts";
import { Secret } from "../../src/crypto/secret.ts";
import { CHECK, InstanceTable, KEY, REQUESTS } from "../../src/proxy/instanceTable.ts";
import { CREDENTIAL_TTL_MS, Credentials } from "../../src/proxy/credential.ts";
import { Metrics } from "../../src/proxy/metrics.ts";
import { RateLimiter } from "../../src/proxy/rateLimit.ts";
import { Resolver, type Instance } from "../../src/proxy/resolve.ts";
import { openStore } from "../../src/store/index.ts";
import { demoConfig, world, type World } from "../accounts/world.ts";

let w: World;
afterEach(() => w?.cleanup());

/** The proxy's per-instance state as createProxy wires it, on the daemon's own store connection, with a clock the test moves. */
async function proxyState(users: Record<string, string>) {
  w = world([demoConfig]);
  const ids: Record<string, string> = {};
  for (const [userId, key] of Object.entries(users)) {
    ids[userId] = (await addUser({ store: w.store, keyFile: w.keyFile }, { userId, service: w.service("demo"), secret: new Secret(key) })).instanceId!;
  }
  const store = openStore(w.dbFile);
  const keyring = await loadKeyring(w.keyFile, { create: false, env: {} });
  const clock = { now: 1_000_000 };
  const table = new InstanceTable();
  const resolver = new Resolver(store, table);
  const credentials = new Credentials(store, keyring, () => clock.now, table);
  const limiter = new RateLimiter(table, () => clock.now);
  const metrics = new Metrics(() => clock.now, () => 0, table);
  const resolve = (userId: string): Instance => {
    const r = resolver.resolve(ids[userId]!, "demo");
    if (!r.ok) throw new Error(r.message);
    return r.instance;
  };
  const keyOf = (userId: string) => {
    const c = credentials.get(resolve(userId));
    if (!c.ok) throw new Error(c.message);
    return c.secret?.reveal() ?? null;
  };
  return { store, table, resolver, credentials, limiter, metrics, clock, resolve, keyOf, close: () => store.close() };
}

test("an opened key is served from the instance's row, wiped from it after the TTL, and opened again when needed", async () => {
  const p = await proxyState({ alice: "alice-key", bob: "bob-key" });
  expect(p.keyOf("alice")).toBe("alice-key");
  expect(p.keyOf("bob")).toBe("bob-key");
  const alice = p.resolve("alice");
  expect(p.table.text(alice.row, KEY)).toBe("alice-key");

  p.clock.now += CREDENTIAL_TTL_MS + 1;
  // Any request runs the sweep: bob's key is opened again, alice's (quiet) leaves memory.
  expect(p.keyOf("bob")).toBe("bob-key");
  expect(p.table.text(alice.row, KEY)).toBe("");
  expect(p.keyOf("alice")).toBe("alice-key");
  p.close();
});

test("a key too long for the row is still served, and the row holds none of it", async () => {
  const long = `sk-${"x".repeat(300)}`;
  const p = await proxyState({ alice: long });
  expect(p.keyOf("alice")).toBe(long);
  expect(p.keyOf("alice")).toBe(long);
  expect(p.table.text(p.resolve("alice").row, KEY)).toBe("");
  p.close();
});

test("a store change drops every opened key and re-reads instances, but a spent rate limit and the counters stay", async () => {
  const p = await proxyState({ alice: "old-key" });
  const before = p.resolve("alice");
  expect(p.keyOf("alice")).toBe("old-key");
  expect(p.limiter.take(before.row, 60, 1).ok).toBe(true);
  expect(p.limiter.take(before.row, 60, 1).ok).toBe(false);
  p.metrics.record({ service: "demo", instance: before, status: 200, latencyMs: 1, bytesIn: 1, bytesOut: 1, error: false });

  await addUser({ store: w.store, keyFile: w.keyFile }, { userId: "alice", service: w.service("demo"), secret: new Secret("new-key") });
  // What StoreEpoch does when another connection commits.
  p.resolver.clear();
  p.credentials.clear();
  expect(p.table.text(before.row, KEY)).toBe("");

  const after = p.resolve("alice");
  expect(after.row).toBe(before.row);
  expect(p.keyOf("alice")).toBe("new-key");
  expect(p.limiter.take(after.row, 60, 1).ok).toBe(false);
  expect(p.metrics.instanceList()).toMatchObject([{ ref: before.ref, userId: "alice", service: "demo", requests: 1 }]);
  p.close();
});

test("an instance whose row another instance holds takes it over with fresh counters and its own key", async () => {
  const p = await proxyState({ alice: "alice-key" });
  const alice = p.resolve("alice");
  expect(p.keyOf("alice")).toBe("alice-key");
  p.metrics.record({ service: "demo", instance: alice, status: 200, latencyMs: 1, bytesIn: 1, bytesOut: 1, error: false });
  // As if a different instance, alike in the 52 bits that key the row, had resolved since.
  p.table.setNum(alice.row, CHECK, 12345);
  p.table.setText(alice.row, KEY, "someone-elses-key");

  expect(p.resolve("alice").row).toBe(alice.row);
  expect(p.table.num(alice.row, REQUESTS)).toBe(0);
  expect(p.keyOf("alice")).toBe("alice-key");
  p.close();
});
