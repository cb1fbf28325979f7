import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { RotatingLog, tailLog } from "../../src/supervisor/logs.ts";
import { tempDir } from "../helpers/tmp.ts";

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => (tmp = tempDir("mcpd-logs")));
afterEach(() => tmp.cleanup());

test("a log past its cap is rotated, keeping a bounded number of old files", () => {
  const file = join(tmp.dir, "logs", "svc.log");
  const log = new RotatingLog(file, 1_000, 2);
  for (let i = 0; i < 100; i++) log.write(`line ${String(i).padStart(3, "0")} ${"x".repeat(40)}\n`);
  log.close();
  expect(statSync(file).size).toBeLessThanOrEqual(1_000);
  expect(existsSync(`${file}.1`)).toBe(true);
  expect(existsSync(`${file}.2`)).toBe(true);
  expect(existsSync(`${file}.3`)).toBe(false);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(readFileSync(file, "utf8").trimEnd().split("\n").at(-1)).toStartWith("line 099");
});

test("tail reaches into the rotated file when the live one is short", () => {
  const file = join(tmp.dir, "svc.log");
  const log = new RotatingLog(file, 100, 1);
  for (let i = 0; i < 6; i++) log.write(`line ${i} ${"y".repeat(20)}\n`);
  log.note("restarting");
  log.close();
  const last = tailLog(file, 4);
  expect(last).toHaveLength(4);
  expect(last.at(-1)).toMatch(/\[mcpd\] restarting$/);
  expect(last[0]).toStartWith("line 3");
  expect(tailLog(join(tmp.dir, "none.log"), 5)).toEqual([]);
});
