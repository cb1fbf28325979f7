import { describe, expect, test } from "bun:test";
import { formatBytes, formatCount, formatDuration, formatLatency, formatPercent, formatRate, formatUptime, plainLine, shortError, truncate, truncateLeft } from "../../src/tui/format.ts";

describe("format", () => {
  test("durations keep two units at most", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(42_500)).toBe("42s");
    expect(formatDuration(192_000)).toBe("3m12s");
    expect(formatDuration(2 * 3600_000 + 5 * 60_000)).toBe("2h05m");
    expect(formatDuration(3 * 86_400_000 + 4 * 3600_000)).toBe("3d04h");
    // Past ten days the hours no longer matter, and the column stays five wide.
    expect(formatDuration(12 * 86_400_000 + 4 * 3600_000)).toBe("12d");
    expect(formatDuration(400 * 86_400_000)).toBe("400d");
    expect(formatDuration(null)).toBe("-");
    expect(formatDuration(-5)).toBe("-");
  });

  test("a service that is not running has no uptime", () => {
    expect(formatUptime(null, 1000)).toBe("-");
    expect(formatUptime(1000, 61_000)).toBe("1m00s");
  });

  test("latency switches from ms to s", () => {
    expect(formatLatency(0.42)).toBe("0.4ms");
    expect(formatLatency(3)).toBe("3ms");
    expect(formatLatency(12.4)).toBe("12ms");
    expect(formatLatency(340)).toBe("340ms");
    expect(formatLatency(1234)).toBe("1.2s");
    expect(formatLatency(14_200)).toBe("14s");
    expect(formatLatency(null)).toBe("-");
  });

  test("rates, percentages and counts stay narrow", () => {
    expect(formatRate(0)).toBe("0");
    expect(formatRate(0.25)).toBe("0.3");
    expect(formatRate(12.3)).toBe("12");
    expect(formatRate(1500)).toBe("1.5k");
    expect(formatPercent(0)).toBe("0%");
    expect(formatPercent(0.0004)).toBe("<0.1%");
    expect(formatPercent(0.025)).toBe("2.5%");
    expect(formatPercent(0.4)).toBe("40%");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(1234)).toBe("1.2k");
    expect(formatCount(34_567)).toBe("35k");
    expect(formatCount(1_234_567)).toBe("1.2M");
    expect(formatBytes(512)).toBe("512B");
    expect(formatBytes(1536)).toBe("1.5KB");
    expect(formatBytes(3 * 1024 * 1024)).toBe("3MB");
  });

  test("text is cut with an ellipsis, paths from the left", () => {
    expect(truncate("figma-service", 6)).toBe("figma…");
    expect(truncate("figma", 6)).toBe("figma");
    expect(truncateLeft("/var/lib/mcpd/data", 10)).toBe("…mcpd/data");
  });

  test("a last error keeps its first line without the Error: prefix", () => {
    expect(shortError("Error: exit code 1\n    at foo (bar.ts:1)", 40)).toBe("exit code 1");
    expect(shortError("TypeError: x is undefined", 8)).toBe("x is un…");
    expect(shortError(null, 10)).toBe("");
  });

  test("log lines lose a child's colour codes and control bytes", () => {
    expect(plainLine("\x1b[31mred\x1b[0m\tok\r")).toBe("red  ok");
  });
});
