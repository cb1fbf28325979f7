import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { StoreEpoch } from "../../src/proxy/epoch.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { tempDir } from "../helpers/tmp.ts";

let tmp: ReturnType<typeof tempDir> | undefined;
const open: Store[] = [];
afterEach(() => {
  for (const s of open.splice(0)) if (s.db.open) s.close();
  tmp?.cleanup();
  tmp = undefined;
});

function storeAt(file: string): Store {
  const s = openStore(file);
  open.push(s);
  return s;
}

/** The daemon's store, with its calls to SQLite's data_version counted. */
function daemonStore(file: string) {
  const store = storeAt(file);
  const asked = { n: 0 };
  const counted: Pick<Store, "dataVersion" | "walHeader"> = {
    dataVersion: () => (asked.n++, store.dataVersion()),
    walHeader: () => store.walHeader(),
  };
  // A clock that stands still: only the header decides when SQLite is asked.
  const epoch = new StoreEpoch(counted, () => 0);
  const changes = { n: 0 };
  epoch.onChange(() => changes.n++);
  asked.n = 0;
  return { store, epoch, asked, changes };
}

const auditRow = { ts: 1, userId: "alice", service: "demo", instance: "demo_alice_1", method: "tools/call", tool: "whoami", status: 200, latencyMs: 1, bytesIn: 10, bytesOut: 20, event: null };

describe("StoreEpoch", () => {
  test("sees a commit from another connection on the very next check, and asks SQLite only when something was committed", () => {
    tmp = tempDir("mcpd-epoch");
    const file = join(tmp.dir, "mcpd.db");
    const { epoch, asked, changes } = daemonStore(file);
    const cli = storeAt(file);

    for (let i = 0; i < 1000; i++) epoch.check();
    expect(asked.n).toBe(0);
    expect(changes.n).toBe(0);

    cli.tx(() => cli.users.ensure("alice", 1));
    epoch.check();
    expect(changes.n).toBe(1);

    for (let i = 0; i < 1000; i++) epoch.check();
    expect(changes.n).toBe(1);
    expect(asked.n).toBe(1);

    cli.tx(() => cli.users.remove("alice"));
    epoch.check();
    expect(changes.n).toBe(2);
  });

  test("the daemon's own audit writes do not drop its caches", () => {
    tmp = tempDir("mcpd-epoch");
    const file = join(tmp.dir, "mcpd.db");
    const { store, epoch, asked, changes } = daemonStore(file);
    store.audit.append([auditRow]);
    epoch.check();
    expect(asked.n).toBe(1);
    expect(changes.n).toBe(0);
    // … while a CLI commit right after one still does.
    const cli = storeAt(file);
    store.audit.append([auditRow]);
    cli.tx(() => cli.users.ensure("bob", 2));
    epoch.check();
    expect(changes.n).toBe(1);
  });

  test("a header that stops moving still lets a commit through within a second", () => {
    tmp = tempDir("mcpd-epoch");
    const file = join(tmp.dir, "mcpd.db");
    const store = storeAt(file);
    const frozen = Int32Array.from(store.walHeader()!);
    let now = 1_000_000;
    const epoch = new StoreEpoch({ dataVersion: () => store.dataVersion(), walHeader: () => frozen }, () => now);
    let changes = 0;
    epoch.onChange(() => changes++);
    const cli = storeAt(file);
    cli.tx(() => cli.users.ensure("alice", 1));
    now += 999;
    epoch.check();
    expect(changes).toBe(0);
    now += 1;
    epoch.check();
    expect(changes).toBe(1);
  });

  test("with no WAL header to watch (an in-memory store) every check asks SQLite", () => {
    const { epoch, asked } = daemonStore(":memory:");
    for (let i = 0; i < 5; i++) epoch.check();
    expect(asked.n).toBe(5);
  });

  test("a closed store hands out no view of its header", () => {
    tmp = tempDir("mcpd-epoch");
    const store = storeAt(join(tmp.dir, "mcpd.db"));
    expect(store.walHeader()).not.toBeNull();
    store.close();
    expect(store.walHeader()).toBeNull();
  });
});
