import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "../helpers/net.ts";
import { callText, closeAfterEach, connect, fingerprintOf, fixtureService, isAlive, startFront, testDir, whoami } from "./harness.ts";

closeAfterEach();

test("two users each reach a child started with their own key", async () => {
  const log = join(testDir(), "fp.log");
  const front = startFront(fixtureService(), log);
  const alice = await connect(front.addInstance("fp_alice_1", "alice", "alice-secret-key"));
  const bob = await connect(front.addInstance("fp_bob_1", "bob", "bob-secret-key"));

  const a = await whoami(alice);
  const b = await whoami(bob);
  expect(a.fingerprint).toBe(fingerprintOf("alice-secret-key"));
  expect(b.fingerprint).toBe(fingerprintOf("bob-secret-key"));
  expect(a.pid).not.toBe(b.pid);

  const status = front.bridge.status();
  expect(status.live).toBe(2);
  expect(status.children.map((c) => c.instanceRef).sort()).toEqual(["fp_alice_1", "fp_bob_1"]);
  expect(status.rssBytes).toBeGreaterThan(0);

  // The key travels in the environment only: not in argv, not in the log.
  expect(readFileSync(`/proc/${a.pid}/cmdline`, "utf8")).not.toContain("alice-secret-key");
  expect(readFileSync(`/proc/${a.pid}/environ`, "utf8")).toContain("ENVKEY_TOKEN=alice-secret-key");
  const logText = readFileSync(log, "utf8");
  expect(logText).toContain(`fixture pid ${a.pid} up`);
  expect(logText).not.toContain("secret-key");
});

test("a second session of the same instance shares that instance's child", async () => {
  const front = startFront(fixtureService());
  const url = front.addInstance("fp_alice_1", "alice", "k1");
  const one = await whoami(await connect(url));
  const two = await whoami(await connect(url));
  expect(two.pid).toBe(one.pid);
  expect(front.bridge.status().live).toBe(1);
});

test("an idle child is stopped after idleStopMs and comes back on the next request", async () => {
  const log = join(testDir(), "logs", "fp.log");
  const front = startFront(fixtureService({ idleStopMs: 1000 }), log);
  const alice = await connect(front.addInstance("fp_alice_1", "alice", "alice-key"));
  const first = await whoami(alice);
  await waitFor(() => front.bridge.status().live === 0 && !isAlive(first.pid), { what: "the idle child to stop" });
  expect(readFileSync(log, "utf8")).toMatch(new RegExp(`pid ${first.pid}\\] stopping: idle for \\d+ s`));

  // Same session, no reconnect: the bridge restarts and re-initializes the child.
  const again = await whoami(alice);
  expect(again.pid).not.toBe(first.pid);
  expect(again.fingerprint).toBe(fingerprintOf("alice-key"));
});

test("a child busy with a long call is not idle-stopped", async () => {
  const front = startFront(fixtureService({ idleStopMs: 1000 }));
  const alice = await connect(front.addInstance("fp_alice_1", "alice", "alice-key"));
  const { pid } = await whoami(alice);
  expect(await callText(alice, "echo", { text: "long", delayMs: 2500 })).toBe("long");
  expect(isAlive(pid)).toBe(true);
}, 15_000);

test("at the cap the least recently used idle child is evicted", async () => {
  const front = startFront(fixtureService({ maxProcesses: 2 }));
  const a = await connect(front.addInstance("fp_a_1", "a", "key-a"));
  const b = await connect(front.addInstance("fp_b_1", "b", "key-b"));
  const pa = (await whoami(a)).pid;
  const pb = (await whoami(b)).pid;
  await whoami(a); // a is now more recent than b

  const c = await connect(front.addInstance("fp_c_1", "c", "key-c"));
  expect((await whoami(c)).fingerprint).toBe(fingerprintOf("key-c"));
  await waitFor(() => !isAlive(pb), { what: "b's child to be evicted" });
  expect(isAlive(pa)).toBe(true);
  expect(front.bridge.status().children.map((x) => x.instanceRef).sort()).toEqual(["fp_a_1", "fp_c_1"]);

  // b comes back (evicting a, now the least recent) with its own key.
  expect((await whoami(b)).fingerprint).toBe(fingerprintOf("key-b"));
  await waitFor(() => !isAlive(pa), { what: "a's child to be evicted" });
});

test("at the cap with every child busy, a new instance gets a clear 503", async () => {
  const log = join(testDir(), "fp.log");
  const front = startFront(fixtureService({ maxProcesses: 1 }), log);
  const a = await connect(front.addInstance("fp_a_1", "a", "key-a"));
  const busy = callText(a, "echo", { text: "busy", delayMs: 1500, announce: true });
  await waitFor(() => readFileSync(log, "utf8").includes("echo busy started"), { what: "a's call to be in flight" });

  const res = await fetch(front.addInstance("fp_b_1", "b", "key-b"), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } }),
  });
  expect(res.status).toBe(503);
  expect(res.headers.get("retry-after")).toBe("1");
  const body = (await res.json()) as { id: number; error: { message: string } };
  expect(body.id).toBe(7);
  expect(body.error.message).toBe("service fp is at its limit of 1 processes; try again shortly");

  expect(await busy).toBe("busy");
  // Once a is idle again it can be evicted, and b gets in.
  const b = await connect(front.addInstance("fp_b_1", "b", "key-b"));
  expect((await whoami(b)).fingerprint).toBe(fingerprintOf("key-b"));
});

test("a user whose key changed gets a child started with the new key", async () => {
  const front = startFront(fixtureService());
  const url = front.addInstance("fp_alice_1", "alice", "old-key");
  const c = await connect(url);
  expect((await whoami(c)).fingerprint).toBe(fingerprintOf("old-key"));
  front.addInstance("fp_alice_1", "alice", "new-key");
  expect((await whoami(c)).fingerprint).toBe(fingerprintOf("new-key"));
});

test("a per-user instance without a key is refused before any child starts", async () => {
  const front = startFront(fixtureService());
  const res = await fetch(front.addInstance("fp_nokey_1", "nokey", null), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }),
  });
  expect(res.status).toBe(403);
  expect(((await res.json()) as { error: { message: string } }).error.message).toContain("needs a credential");
  expect(front.bridge.status().live).toBe(0);
});

test("retire stops a gone instance's child within a second, even one that ignores SIGTERM; others keep theirs", async () => {
  const log = join(testDir(), "fp.log");
  const front = startFront(fixtureService({ run: { command: ["node", "stdio-fingerprint.mjs"], env: { FIXTURE_STUBBORN: "1" } } }), log);
  const alice = await connect(front.addInstance("fp_alice_1", "alice", "ka"));
  const bob = await connect(front.addInstance("fp_bob_1", "bob", "kb"));
  const [a, b] = [await whoami(alice), await whoami(bob)];
  const inFlight = callText(alice, "echo", { text: "x", delayMs: 30_000, announce: true }).catch((e: Error) => e.message);
  await waitFor(() => readFileSync(log, "utf8").includes("echo x started"), { what: "the call to reach alice's child" });
  const t0 = performance.now();
  await front.bridge.retire((ref) => ref !== "fp_alice_1");
  await waitFor(() => !isAlive(a.pid), { timeoutMs: 1_000, what: "alice's child to be gone" });
  expect(performance.now() - t0).toBeLessThan(1_000);
  expect(await inFlight).toContain("the fp server exited (signal SIGKILL) while handling this request");
  expect(isAlive(b.pid)).toBe(true);
  expect(front.bridge.status().children.map((c) => c.instanceRef)).toEqual(["fp_bob_1"]);
  expect((await whoami(bob)).pid).toBe(b.pid);
});

test("at the session cap the oldest idle session goes: its client gets 404, the newer ones and the child carry on", async () => {
  const front = startFront(fixtureService(), undefined, { perInstance: 2, total: 100 });
  const url = front.addInstance("fp_alice_1", "alice", "k1");
  const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  const init = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } } });
  const open = async () => (await fetch(url, { method: "POST", headers, body: init })).headers.get("mcp-session-id")!;
  const ping = async (sid: string) =>
    (await fetch(url, { method: "POST", headers: { ...headers, "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18" }, body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "ping" }) })).status;
  const [a, b, c] = [await open(), await open(), await open()];
  expect(await ping(a)).toBe(404);
  expect(await ping(b)).toBe(200);
  expect(await ping(c)).toBe(200);
  expect(front.bridge.status().live).toBe(1);
});
