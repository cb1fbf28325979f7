import { expect, test } from "bun:test";
import { evictFor } from "../../src/util/sessionCap.ts";

const s = (instance: string, lastSeen: number, busy = false) => ({ instance, lastSeen, busy });
const caps = { perInstance: 3, total: 5 };

test("under both caps nothing goes", () => {
  expect(evictFor([s("a", 1), s("b", 2)], "a", caps)).toEqual([]);
});

test("an instance at its cap gives up its own oldest idle session, never another instance's", () => {
  const a1 = s("a", 5);
  const all = [s("b", 1), a1, s("a", 7), s("a", 2, true)];
  expect(evictFor(all, "a", caps)).toEqual([a1]);
});

test("the service at its total gives up the oldest idle session of any instance", () => {
  const old = s("b", 1);
  expect(evictFor([s("a", 4), old, s("c", 3), s("b", 2, true), s("d", 9)], "e", caps)).toEqual([old]);
});

test("no room when every session at the cap is busy", () => {
  expect(evictFor([s("a", 1, true), s("a", 2, true), s("a", 3, true)], "a", caps)).toBeNull();
  expect(evictFor([s("a", 1, true), s("b", 2, true), s("c", 3, true), s("d", 4, true), s("e", 5, true)], "f", caps)).toBeNull();
});
