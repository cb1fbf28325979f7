import { expect, test } from "bun:test";
import { waitFor } from "../helpers/net.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { callText, closeAfterEach, connect, fingerprintOf, fixtureService, isAlive, startFront, testDir, whoami } from "./harness.ts";

closeAfterEach();

test("killing a child mid-request gives a clean error, and the next request works", async () => {
  const log = join(testDir(), "fp.log");
  const front = startFront(fixtureService(), log);
  const alice = await connect(front.addInstance("fp_alice_1", "alice", "alice-key"));
  const { pid } = await whoami(alice);

  const inFlight = callText(alice, "echo", { text: "never", delayMs: 30_000, announce: true }).then(
    () => "answered",
    (e: Error) => e.message,
  );
  await waitFor(() => readFileSync(log, "utf8").includes("echo never started"), { what: "the call to reach the child" });
  process.kill(pid, "SIGKILL");

  expect(await inFlight).toContain("the fp server exited (signal SIGKILL) while handling this request");
  await waitFor(() => !isAlive(pid));

  const next = await whoami(alice);
  expect(next.pid).not.toBe(pid);
  expect(next.fingerprint).toBe(fingerprintOf("alice-key"));
});

test("a child that exits on its own fails every call in flight with its exit code", async () => {
  const front = startFront(fixtureService({ mode: "shared", credential: undefined }));
  const url = front.addInstance("fp_shared_1", "u", null);
  const [a, b] = await Promise.all([connect(url), connect(url)]);
  const slow = callText(b, "echo", { text: "x", delayMs: 30_000 }).catch((e: Error) => e.message);
  const crash = callText(a, "crash").catch((e: Error) => e.message);
  const why = "the fp server exited (code 3) while handling this request";
  expect(await crash).toContain(why);
  expect(await slow).toContain(why);
  expect(await callText(a, "echo", { text: "back" })).toBe("back");
  expect(await callText(b, "echo", { text: "back too" })).toBe("back too");
});

test("a command that cannot start answers with an error naming the service", async () => {
  const front = startFront(fixtureService({ run: { command: ["node", "no-such-file.mjs"] } }));
  const res = await fetch(front.addInstance("fp_a_1", "a", "k"), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }),
  });
  expect(res.status).toBe(502);
  const body = (await res.json()) as { id: number; error: { message: string } };
  expect(body.id).toBe(1);
  expect(body.error.message).toStartWith("the fp server failed to start: the fp server exited (code 1)");
  expect(front.bridge.status().live).toBe(0);
});

test("close() stops every child, including one that ignores SIGTERM", async () => {
  const log = join(testDir(), "fp.log");
  const front = startFront(fixtureService({ run: { command: ["node", "stdio-fingerprint.mjs"], env: { FIXTURE_STUBBORN: "1" } } }), log);
  const a = await connect(front.addInstance("fp_a_1", "a", "ka"));
  const b = await connect(front.addInstance("fp_b_1", "b", "kb"));
  const pids = [(await whoami(a)).pid, (await whoami(b)).pid];
  await front.stop();
  expect(pids.filter(isAlive)).toEqual([]);
  for (const pid of pids) expect(readFileSync(log, "utf8")).toContain(`pid ${pid}] exited (signal SIGKILL)`);
}, 15_000); // the stop waits out STOP_GRACE_MS before SIGKILL

test("a server that prints a banner on stdout still works; the banner goes to the log", async () => {
  const log = join(testDir(), "fp.log");
  const front = startFront(fixtureService({ run: { command: ["node", "stdio-fingerprint.mjs"], env: { FIXTURE_BANNER: "1" } } }), log);
  const c = await connect(front.addInstance("fp_a_1", "a", "ka"));
  expect((await whoami(c)).fingerprint).toBe(fingerprintOf("ka"));
  expect(readFileSync(log, "utf8")).toContain("stdout (not JSON-RPC): starting up, not JSON");
});
