import { expect, test } from "bun:test";
import { waitFor } from "../helpers/net.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { callText, closeAfterEach, connect, fingerprintOf, FIXTURES, fixtureService, isAlive, startFront, testDir, whoami } from "./harness.ts";

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
  expect(body.error.message).toMatch(/^the fp server failed to start: pid \d+ \(`node no-such-file.mjs` for fp_a_1\) exited \(code 1\) before answering initialize$/);
  expect(front.bridge.status()).toMatchObject({ live: 0, crashes: 1, lastExit: expect.stringContaining("exited (code 1)") });
});

const initialize = (url: string) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }),
  });

test("a command that does not exist: the error and the log name the command and the OS error; status counts it", async () => {
  const log = join(testDir(), "fp.log");
  const front = startFront(fixtureService({ run: { command: ["no-such-command-mcpd-test", "--flag"] } }), log);
  const res = await initialize(front.addInstance("fp_a_1", "a", "k"));
  expect(res.status).toBe(502);
  const message = ((await res.json()) as { error: { message: string } }).error.message;
  expect(message).toStartWith(`the fp server failed to start: could not run \`no-such-command-mcpd-test --flag\` in ${FIXTURES}: `);
  expect(message).toContain("ENOENT");
  expect(readFileSync(log, "utf8")).toContain("[fp] failed to start: `no-such-command-mcpd-test --flag` for fp_a_1: could not run");
  expect(front.bridge.status()).toMatchObject({ crashes: 1, lastError: expect.stringContaining("ENOENT"), crashLoop: false });
});

test("a child that never answers initialize is given up on after initTimeoutMs, naming the child and the step", async () => {
  const front = startFront(fixtureService({ initTimeoutMs: 1_000, run: { command: ["node", "stdio-fingerprint.mjs"], env: { FIXTURE_MUTE: "1" } } }));
  const t0 = performance.now();
  const res = await initialize(front.addInstance("fp_a_1", "a", "k"));
  const took = performance.now() - t0;
  expect(res.status).toBe(502);
  expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
    /^the fp server failed to start: pid \d+ \(`node stdio-fingerprint.mjs` for fp_a_1\) did not answer initialize within 1 s \(initTimeoutMs in its config\.json/,
  );
  expect(took).toBeGreaterThanOrEqual(1_000);
  expect(took).toBeLessThan(5_000);
  expect(front.bridge.status()).toMatchObject({ live: 0, crashes: 1, lastError: expect.stringContaining("did not answer initialize") });
});

test("crashes and restarts are counted; five within a minute are a crash loop; restart() clears the loop and stops every child", async () => {
  const front = startFront(fixtureService({ mode: "shared", credential: undefined }));
  const c = await connect(front.addInstance("fp_shared_1", "u", null));
  const first = (await whoami(c)).pid;
  for (let i = 1; i <= 5; i++) {
    expect(await callText(c, "crash").catch((e: Error) => e.message)).toContain("exited (code 3)");
    expect(front.bridge.status()).toMatchObject({ crashes: i, restarts: i - 1, crashLoop: i >= 5 });
    // The next call starts the child again: a restart.
    if (i < 5) await whoami(c);
  }
  expect(front.bridge.status().lastExit).toMatch(/^pid \d+ \(`node stdio-fingerprint.mjs` shared by every user\) exited \(code 3\)$/);
  const again = (await whoami(c)).pid;
  expect(again).not.toBe(first);
  expect(await front.bridge.restart()).toBe(1);
  expect(isAlive(again)).toBe(false);
  expect(front.bridge.status()).toMatchObject({ live: 0, crashLoop: false, crashes: 5 });
  expect(front.bridge.status().lastExit).toContain("when stopped");
  expect((await whoami(c)).pid).not.toBe(again);
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
