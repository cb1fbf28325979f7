import { describe, expect, test } from "bun:test";
import { defaultStartSlots, StartSlots } from "../../src/supervisor/startSlots.ts";

describe("start slots", () => {
  test("grants up to the limit at once, then in the order asked", () => {
    const slots = new StartSlots(2);
    const granted: string[] = [];
    const t = ["a", "b", "c", "d"].map((n) => slots.request(() => granted.push(n)));
    expect(granted).toEqual(["a", "b"]);
    expect(t.map((x) => x.granted)).toEqual([true, true, false, false]);
    expect([slots.starting, slots.waiting, slots.full()]).toEqual([2, 2, true]);
    t[1]!.release();
    expect(granted).toEqual(["a", "b", "c"]);
    t[0]!.release();
    expect(granted).toEqual(["a", "b", "c", "d"]);
    expect([slots.starting, slots.waiting]).toEqual([2, 0]);
  });

  test("an urgent request goes to the front of the line, not past the limit", () => {
    const slots = new StartSlots(1);
    const granted: string[] = [];
    const first = slots.request(() => granted.push("boot-1"));
    slots.request(() => granted.push("boot-2"));
    slots.request(() => granted.push("request"), true);
    expect(granted).toEqual(["boot-1"]);
    first.release();
    expect(granted).toEqual(["boot-1", "request"]);
  });

  test("leaving the line frees no slot; releasing twice frees one", () => {
    const slots = new StartSlots(1);
    const granted: string[] = [];
    const a = slots.request(() => granted.push("a"));
    const b = slots.request(() => granted.push("b"));
    slots.request(() => granted.push("c"));
    b.release();
    expect([slots.starting, slots.waiting]).toEqual([1, 1]);
    a.release();
    a.release();
    expect(granted).toEqual(["a", "c"]);
    expect([slots.starting, slots.waiting]).toEqual([1, 0]);
  });

  test("a few per core, never fewer than four", () => {
    expect(defaultStartSlots(1)).toBe(4);
    expect(defaultStartSlots(2)).toBe(6);
    expect(defaultStartSlots(16)).toBe(48);
    expect(() => new StartSlots(0)).toThrow(/positive integer/);
  });
});
