import { expect, test } from "bun:test";
import { createLineFramer } from "../../src/bridge/lineFramer.ts";

const collect = () => {
  const lines: string[] = [];
  return { lines, framer: createLineFramer((l) => lines.push(l)) };
};

test("a message split across chunks comes out once, whole", () => {
  const { lines, framer } = collect();
  framer.push('{"jsonrpc":"2.0",');
  framer.push('"id":1}\n{"a"');
  expect(lines).toEqual(['{"jsonrpc":"2.0","id":1}']);
  framer.push(":2}\n");
  expect(lines).toEqual(['{"jsonrpc":"2.0","id":1}', '{"a":2}']);
});

test("several messages in one chunk come out in order", () => {
  const { lines, framer } = collect();
  framer.push("1\n2\n3\n");
  expect(lines).toEqual(["1", "2", "3"]);
});

test("a multi-byte character split between chunks survives", () => {
  const { lines, framer } = collect();
  const bytes = new TextEncoder().encode('"héllo ✓"\n');
  framer.push(bytes.slice(0, 3));
  framer.push(bytes.slice(3, 10));
  framer.push(bytes.slice(10));
  expect(lines).toEqual(['"héllo ✓"']);
});

test("CRLF endings and blank lines are tolerated", () => {
  const { lines, framer } = collect();
  framer.push("a\r\n\r\n\nb\r\n");
  expect(lines).toEqual(["a", "b"]);
});

test("a last line without a newline is delivered at end", () => {
  const { lines, framer } = collect();
  framer.push("tail");
  expect(lines).toEqual([]);
  framer.end();
  expect(lines).toEqual(["tail"]);
});

test("a large message in many small chunks comes out whole", () => {
  const { lines, framer } = collect();
  const big = JSON.stringify({ data: "x".repeat(1_000_000) });
  for (let i = 0; i < big.length; i += 4096) framer.push(big.slice(i, i + 4096));
  framer.push("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toBe(big);
});
