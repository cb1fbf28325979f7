import { expect, test } from "bun:test";
import { SESSION_IDLE_MS, SessionTable } from "../../src/proxy/sessions.ts";

const clock = () => {
  const c = { now: 1_000_000, fn: () => c.now };
  return c;
};

test("a session answers only the instance that opened it; others see it as unknown or foreign", () => {
  const c = clock();
  const t = new SessionTable(c.fn);
  t.bind("demo", "s-1", "demo_alice_1234abcd");
  expect(t.check("demo", "s-1", "demo_alice_1234abcd")).toEqual({ ok: true });
  expect(t.check("demo", "s-1", "demo_bob_5678abcd")).toEqual({ ok: false, reason: "mismatch" });
  expect(t.check("demo", "s-2", "demo_alice_1234abcd")).toEqual({ ok: false, reason: "unknown" });
  // Services are separate processes: the same id under another service is another session.
  expect(t.check("figma", "s-1", "demo_alice_1234abcd")).toEqual({ ok: false, reason: "unknown" });
});

test("the first binding wins, forget unbinds, and the count per service follows", () => {
  const c = clock();
  const t = new SessionTable(c.fn);
  t.bind("demo", "s-1", "demo_alice_1234abcd");
  t.bind("demo", "s-1", "demo_bob_5678abcd");
  t.bind("demo", "s-2", "demo_bob_5678abcd");
  expect(t.check("demo", "s-1", "demo_alice_1234abcd").ok).toBe(true);
  expect(t.countFor("demo")).toBe(2);
  t.forget("demo", "s-1");
  t.forget("demo", "s-1");
  expect(t.check("demo", "s-1", "demo_alice_1234abcd")).toEqual({ ok: false, reason: "unknown" });
  expect(t.countFor("demo")).toBe(1);
});

test("an idle session is forgotten, unless a stream is open on it or it was used lately", () => {
  const c = clock();
  const t = new SessionTable(c.fn);
  for (const id of ["idle", "streaming", "busy"]) t.bind("demo", id, "demo_alice_1234abcd");
  const closeStream = t.streamOpened("demo", "streaming");
  expect(t.openStreams("demo")).toBe(1);
  c.now += SESSION_IDLE_MS - 60_000;
  expect(t.check("demo", "busy", "demo_alice_1234abcd").ok).toBe(true);
  c.now += 120_000;
  // The next check sweeps: "idle" has gone quiet past SESSION_IDLE_MS.
  expect(t.check("demo", "busy", "demo_alice_1234abcd").ok).toBe(true);
  expect(t.check("demo", "idle", "demo_alice_1234abcd")).toEqual({ ok: false, reason: "unknown" });
  expect(t.check("demo", "streaming", "demo_alice_1234abcd").ok).toBe(true);
  expect(t.countFor("demo")).toBe(2);
  closeStream();
  closeStream();
  expect(t.openStreams("demo")).toBe(0);
});
