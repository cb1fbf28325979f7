import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { parseSince } from "../../src/cli/audit.ts";
import { openStore } from "../../src/store/index.ts";
import { runCli } from "../helpers/cli.ts";
import { tempDir } from "../helpers/tmp.ts";

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

const row = (over: object) => ({
  ts: Date.now(), userId: "alice", service: "figma", instance: "fig_alice_1234abcd", method: "tools/call", tool: "whoami",
  status: 200, latencyMs: 1.5, bytesIn: 10, bytesOut: 20, event: null, ...over,
});

test("--since takes durations and ISO times", () => {
  expect(parseSince("30m", 10_000_000)).toBe(10_000_000 - 1_800_000);
  expect(parseSince("1h", 10_000_000)).toBe(10_000_000 - 3_600_000);
  expect(parseSince("2026-11-24T07:00:00Z", 0)).toBe(Date.parse("2026-11-24T07:00:00Z"));
  expect(() => parseSince("yesterday", 0)).toThrow("give a duration like 30m");
});

test("mcpd audit filters by user, service and time, as a table or JSON", async () => {
  const tmp = tempDir("mcpd-audit");
  cleanups.push(tmp.cleanup);
  const store = openStore(join(tmp.dir, "mcpd.db"));
  store.audit.append([
    row({ ts: Date.now() - 2 * 3_600_000, tool: "old" }),
    row({}),
    row({ userId: "bob", instance: "fig_bob_99999999" }),
    row({ service: "github", instance: "gh_alice_11111111", method: "initialize", tool: null }),
  ]);
  store.close();
  const env = { MCPD_DATA: tmp.dir };

  const json = await runCli(["audit", "--user", "alice", "--service", "figma", "--since", "1h", "--json"], { env });
  expect(json.code).toBe(0);
  const rows = JSON.parse(json.stdout);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ user: "alice", service: "figma", instance: "fig_alice_1234abcd", method: "tools/call", tool: "whoami", status: 200 });
  expect(Object.keys(rows[0])).toEqual(["ts", "user", "service", "instance", "method", "tool", "status", "latencyMs", "bytesIn", "bytesOut", "event"]);

  const table = await runCli(["audit"], { env });
  expect(table.code).toBe(0);
  expect(table.stdout.split("\n")[0]).toMatch(/^TIME\s+USER\s+SERVICE\s+INSTANCE\s+METHOD\s+TOOL\s+STATUS/);
  expect(table.stdout).toContain("fig_bob_99999999");

  const bad = await runCli(["audit", "--since", "soon"], { env });
  expect(bad.code).not.toBe(0);
  expect(bad.stderr.trim()).toBe("mcpd: --since soon: give a duration like 30m, 1h, 7d or an ISO time like 2026-11-24T07:00:00Z");
});
