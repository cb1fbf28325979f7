import type { SQL } from "bun";
import { FeedListeners, type ChangeFeed } from "./changeFeed.ts";

/**
 * PostgreSQL's change feed, for several mcpd nodes on one database: a commit that revokes,
 * rotates or removes anything bumps one counter row and sends NOTIFY on CHANGES_CHANNEL
 * inside its own transaction (bumpChanges), so every node hears of it when it commits and
 * never before. A notification sent while a node's listening connection is down is lost
 * (measured: PostgreSQL does not queue them for a session that is gone), so:
 *  - every re-LISTEN after a reconnect counts as a change (the node drops its caches), and
 *  - the counter is read every BACKSTOP_MS, so a lost notification costs at most that long.
 * Nothing here runs on the request path.
 */
export const CHANGES_CHANNEL = "mcpd_changes";
export const BACKSTOP_MS = 1_000;

/** The counter row the backstop reads; the PostgreSQL store's migrations create it. */
export const CHANGE_COUNTER_DDL = `
CREATE TABLE IF NOT EXISTS mcpd_change_counter (id int PRIMARY KEY CHECK (id = 1), n bigint NOT NULL);
INSERT INTO mcpd_change_counter (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
`;

/** Inside a writer's transaction: the commit is what every node hears of. */
export async function bumpChanges(tx: SQL): Promise<void> {
  const [row] = await tx`UPDATE mcpd_change_counter SET n = n + 1 WHERE id = 1 RETURNING n`;
  // The count rides along, so a node that heard the notification does not count it again at the next poll.
  await tx`SELECT pg_notify(${CHANGES_CHANNEL}, ${String((row as { n: string | number }).n)})`;
}

async function counter(sql: SQL): Promise<number> {
  const [row] = await sql`SELECT n FROM mcpd_change_counter WHERE id = 1`;
  return Number((row as { n: string | number } | undefined)?.n ?? 0);
}

export async function pgFeed(sql: SQL, opts: { everyMs?: number; onError?: (e: unknown) => void } = {}): Promise<ChangeFeed> {
  const listeners = new FeedListeners();
  const onError = opts.onError ?? ((e) => console.error(`mcpd: a store change listener failed: ${(e as Error).message}`));
  const fire = () => listeners.fire(onError);
  let seen = await counter(sql);
  let subscribed = false;
  const subscription = await sql.listen(
    CHANGES_CHANNEL,
    (payload) => {
      const n = Number(payload);
      if (Number.isFinite(n) && n > seen) seen = n;
      fire();
    },
    () => {
      // The first LISTEN is the start; any later one follows a reconnect, and whatever was
      // notified in between is gone: resync by dropping everything.
      if (subscribed) fire();
      subscribed = true;
    },
  );
  let polling = false;
  const timer = setInterval(async () => {
    if (polling) return;
    polling = true;
    try {
      const n = await counter(sql);
      if (n !== seen) (seen = n), fire();
    } catch {
      // the database is away: the next tick asks again, and the re-LISTEN resyncs
    } finally {
      polling = false;
    }
  }, opts.everyMs ?? BACKSTOP_MS);
  timer.unref();
  return {
    onChange: (fn) => listeners.add(fn),
    changed: fire,
    close() {
      clearInterval(timer);
      void subscription.unlisten().catch(() => {});
    },
  };
}
