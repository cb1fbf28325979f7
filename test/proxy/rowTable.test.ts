import { expect, test } from "bun:test";
import { NumberIndex } from "../../src/proxy/numberIndex.ts";
import { RowTable } from "../../src/proxy/rowTable.ts";

test("the number index agrees with a Map through growth, deletes and collisions on the same slot", () => {
  const index = new NumberIndex(8);
  const model = new Map<number, number>();
  let seed = 7;
  const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31);
  // Keys that share their low bits land on the same slot and must probe past each other.
  const keyOf = (n: number) => (n % 50) * 2 ** 32 + (n % 3);
  for (let step = 0; step < 20_000; step++) {
    const key = keyOf(rand() % 400);
    if (rand() % 3 === 0) expect(index.delete(key)).toBe(model.delete(key));
    else (index.set(key, step), model.set(key, step));
    if (step % 97 === 0) for (const [k, v] of model) expect(index.get(k)).toBe(v);
  }
  expect(index.size).toBe(model.size);
  for (let n = 0; n < 400; n++) expect(index.get(keyOf(n))).toBe(model.get(keyOf(n)) ?? -1);
});

test("a row keeps its numbers and texts until removed, and a removed row's text is gone", () => {
  const t = new RowTable(2, [8]);
  const rows = Array.from({ length: 3_000 }, (_, i) => {
    const row = t.insert(i * 1.5e9);
    t.setNum(row, 1, i);
    t.setText(row, 0, `k${i}`);
    return row;
  });
  expect(t.num(t.find(2_999 * 1.5e9), 1)).toBe(2_999);
  expect(t.text(t.find(1_234 * 1.5e9), 0)).toBe("k1234");

  expect(t.remove(1_234 * 1.5e9)).toBe(true);
  expect(t.find(1_234 * 1.5e9)).toBe(-1);
  const reused = t.insert(42);
  expect(reused).toBe(rows[1_234]!);
  expect(t.text(reused, 0)).toBe("");
  expect(t.num(reused, 1)).toBe(0);

  const seen: number[] = [];
  t.forEach((key) => seen.push(key));
  expect(seen.length).toBe(3_000);
  expect(seen).toContain(42);
  expect(seen).not.toContain(1_234 * 1.5e9);
});

test("a text longer than its column is refused and leaves the column empty", () => {
  const t = new RowTable(0, [4]);
  const row = t.insert(1);
  expect(t.setText(row, 0, "abcd")).toBe(true);
  expect(t.setText(row, 0, "abcde")).toBe(false);
  expect(t.text(row, 0)).toBe("");
  // Four characters, eight bytes: the limit is in bytes.
  expect(t.setText(row, 0, "éééé")).toBe(false);
  expect(t.setText(row, 0, "éé")).toBe(true);
  expect(t.text(row, 0)).toBe("éé");
});

test("removing rows while walking them visits each row once", () => {
  const t = new RowTable(1);
  for (let i = 0; i < 2_500; i++) t.setNum(t.insert(i), 0, i);
  let visited = 0;
  t.forEach((key, row) => (visited++, t.num(row, 0) % 2 === 0 && t.remove(key)));
  expect(visited).toBe(2_500);
  const left: number[] = [];
  t.forEach((_key, row) => left.push(t.num(row, 0)));
  expect(left.length).toBe(1_250);
  expect(left.every((n) => n % 2 === 1)).toBe(true);
  expect(t.find(2)).toBe(-1);
  expect(t.num(t.find(3), 0)).toBe(3);
});
