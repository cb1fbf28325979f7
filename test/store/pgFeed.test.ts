// The PostgreSQL change feed against a real cluster (initdb in a temp dir): what another
// node's commit takes to reach this one, and what happens when the listening connection
// is cut (its notifications are lost; the re-LISTEN and the counter make up for them).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { SQL } from "bun";
import { bumpChanges, CHANGE_COUNTER_DDL, pgFeed } from "../../src/store/pgFeed.ts";
import { startPostgres, type Postgres } from "../helpers/postgres.ts";
import { waitFor } from "../helpers/net.ts";

let pg: Postgres;
beforeAll(async () => {
  pg = await startPostgres();
  const admin = new SQL({ url: pg.url, max: 1 });
  await admin.unsafe(CHANGE_COUNTER_DDL);
  await admin.close();
}, 90_000);
afterAll(async () => pg?.stop(), 30_000);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

test("another node's commit reaches this node's feed when it commits, not before; 200 of them, each within 100 ms", async () => {
  const node = new SQL({ url: pg.url, max: 2 });
  const other = new SQL({ url: pg.url, max: 2 });
  const feed = await pgFeed(node);
  let heard = 0;
  let next: () => void = () => {};
  feed.onChange(() => (heard++, next()));
  const took: number[] = [];
  for (let i = 0; i < 200; i++) {
    const before = heard;
    const arrived = new Promise<number>((r) => (next = () => r(performance.now())));
    let t0 = 0;
    await other.begin(async (tx) => {
      await bumpChanges(tx);
      await Bun.sleep(0);
      expect(heard).toBe(before); // not yet committed: nothing to hear
      t0 = performance.now();
    });
    const at = await Promise.race([arrived, Bun.sleep(5_000).then(() => NaN)]);
    expect(at).not.toBeNaN();
    took.push(at - t0);
  }
  console.error(`pg change feed: commit → feed p50 ${pct(took, 0.5).toFixed(2)} ms, p99 ${pct(took, 0.99).toFixed(2)} ms (200 commits)`);
  expect(pct(took, 0.99)).toBeLessThan(100);
  feed.close();
  await Promise.all([node.close(), other.close()]);
}, 60_000);

test("with the listening connection cut, a commit made meanwhile is still heard: at the re-LISTEN or the 1 s counter", async () => {
  const node = new SQL({ url: pg.url, max: 2 });
  const other = new SQL({ url: pg.url, max: 2 });
  const feed = await pgFeed(node);
  let heard = 0;
  feed.onChange(() => heard++);
  const listener = async () => (await other`SELECT pid FROM pg_stat_activity WHERE query ILIKE 'LISTEN%'`) as Array<{ pid: number }>;
  await waitFor(async () => (await listener()).length > 0, { what: "the LISTEN connection" });
  const before = heard;
  const t0 = performance.now();
  for (const { pid } of await listener()) await other`SELECT pg_terminate_backend(${pid})`;
  // Sent while no one listens: PostgreSQL drops it.
  await other.begin((tx) => bumpChanges(tx));
  await waitFor(() => heard > before, { timeoutMs: 5_000, what: "the lost change to be made up for" });
  const ms = performance.now() - t0;
  console.error(`pg change feed: a change sent while the listener was cut was heard after ${ms.toFixed(0)} ms`);
  expect(ms).toBeLessThan(1_500);
  feed.close();
  await Promise.all([node.close(), other.close()]);
}, 60_000);
