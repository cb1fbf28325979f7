import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { startAuditRetention } from "../../src/daemon/auditRetention.ts";
import { openStore, type AuditEntry, type Store } from "../../src/store/index.ts";
import { tempDir } from "../helpers/tmp.ts";

const DAY = 86_400_000;
const NOW = Date.parse("2026-11-30T12:00:00Z");
let tmp: ReturnType<typeof tempDir> | undefined;
let store: Store | undefined;
afterEach(() => {
  store?.close();
  tmp?.cleanup();
  store = tmp = undefined;
});

const row = (ts: number, tool: string): AuditEntry => ({ ts, userId: "alice", service: "demo", instance: "demo_alice_1", method: "tools/call", tool, status: 200, latencyMs: 1, bytesIn: 10, bytesOut: 20, event: null });

function seeded(old: number, recent: number): Store {
  tmp = tempDir("mcpd-retention");
  store = openStore(join(tmp.dir, "mcpd.db"));
  // Old rows straddle more than one delete batch; recent ones sit just inside the window.
  store.audit.append(Array.from({ length: old }, (_, i) => row(NOW - 3 * DAY - i, "old")));
  store.audit.append(Array.from({ length: recent }, (_, i) => row(NOW - 2 * DAY + 60_000 + i, "recent")));
  return store;
}

const tools = (s: Store) => s.db.prepare("SELECT tool, COUNT(*) AS n FROM audit GROUP BY tool ORDER BY tool").all();

test("rows older than the kept days are removed at start, in batches, and said so once; newer rows stay", async () => {
  const s = seeded(12_001, 7);
  const lines: string[] = [];
  const r = startAuditRetention({ store: s, days: 2, log: (l) => lines.push(l), now: () => NOW });
  await r.settled;
  r.stop();
  expect(tools(s)).toEqual([{ tool: "recent", n: 7 }]);
  expect(lines).toEqual(["audit: removed 12001 row(s) older than 2 days"]);
});

test("0 days keeps every row", async () => {
  const s = seeded(10, 3);
  const lines: string[] = [];
  const r = startAuditRetention({ store: s, days: 0, log: (l) => lines.push(l), now: () => NOW });
  await r.settled;
  expect(tools(s)).toEqual([
    { tool: "old", n: 10 },
    { tool: "recent", n: 3 },
  ]);
  expect(lines).toEqual([]);
});

test("the next pass comes on its own, and stop() ends them", async () => {
  const s = seeded(0, 0);
  let now = NOW;
  const r = startAuditRetention({ store: s, days: 1, log: () => {}, now: () => now, everyMs: 20 });
  await r.settled;
  s.audit.append([row(NOW, "aging")]);
  now += 2 * DAY;
  await Bun.sleep(100);
  expect(tools(s)).toEqual([]);
  r.stop();
  s.audit.append([row(NOW, "kept")]);
  await Bun.sleep(100);
  expect(tools(s)).toEqual([{ tool: "kept", n: 1 }]);
});
