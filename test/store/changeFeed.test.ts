import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { openStore, type Store } from "../../src/store/index.ts";
import { waitFor } from "../helpers/net.ts";
import { tempDir } from "../helpers/tmp.ts";

let tmp: ReturnType<typeof tempDir>;
const open: Store[] = [];
afterEach(() => {
  for (const s of open.splice(0)) if (s.db.open) s.close();
  tmp?.cleanup();
});

function at(file: string): Store {
  const s = openStore(file);
  open.push(s);
  return s;
}

/** The daemon's connection to a fresh store, watched, and how many changes it has heard. */
function watched() {
  tmp = tempDir("mcpd-feed");
  const file = join(tmp.dir, "mcpd.db");
  const daemon = at(file);
  const feed = daemon.watch();
  const heard = { n: 0 };
  feed.onChange(() => heard.n++);
  return { file, daemon, feed, heard };
}

describe("the SQLite change feed", () => {
  test("tells of another connection's commit without being asked (the poll), and of a nudge at once", async () => {
    const { file, daemon, feed, heard } = watched();
    const cli = at(file);
    cli.tx(() => cli.users.ensure("alice", 1));
    await waitFor(() => heard.n === 1, { what: "the poll to see the commit" });
    // A nudge runs the listeners before changed() returns: that is what makes a CLI's change apply on the next request.
    feed.changed();
    expect(heard.n).toBe(2);
  });

  test("the daemon's own writes (its audit rows) are not changes", async () => {
    const { file, daemon, heard } = watched();
    const row = { ts: 1, userId: "u", service: "demo", instance: "demo_u_1", method: "tools/call", tool: "echo", status: 200, latencyMs: 1, bytesIn: 1, bytesOut: 1, event: null };
    daemon.audit.append([row]);
    // Then a commit from elsewhere: once it has been heard, the audit row before it was not.
    const cli = at(file);
    cli.tx(() => cli.users.ensure("bob", 2));
    await waitFor(() => heard.n > 0, { what: "the poll to see bob" });
    expect(heard.n).toBe(1);
  });

  test("a listener that throws does not keep the others from hearing", () => {
    tmp = tempDir("mcpd-feed");
    const feed = at(join(tmp.dir, "mcpd.db")).watch();
    const errors: unknown[] = [];
    let heard = 0;
    feed.onChange(() => {
      throw new Error("boom");
    });
    const off = feed.onChange(() => heard++);
    const orig = console.error;
    console.error = (...a: unknown[]) => void errors.push(a);
    try {
      feed.changed();
      off();
      feed.changed();
    } finally {
      console.error = orig;
    }
    expect(heard).toBe(1);
    expect(errors.length).toBe(2);
  });
});
