import { afterEach, expect, test } from "bun:test";
import { connect } from "node:net";
import { startPostgres, type Postgres } from "../helpers/postgres.ts";

let pgs: Postgres[] = [];
afterEach(async () => {
  await Promise.all(pgs.map((pg) => pg.stop()));
  pgs = [];
});

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

test("a throwaway cluster takes queries and notifications, and is gone after stop()", async () => {
  const pg = await startPostgres();
  pgs.push(pg);
  expect(pg.url).toBe(`postgres://postgres@127.0.0.1:${pg.port}/mcpd_test`);
  const sql = new Bun.SQL({ url: pg.url, max: 2 });
  await sql`CREATE TABLE t (id int PRIMARY KEY, v text)`;
  await sql`INSERT INTO t VALUES (1, 'one')`;
  expect(await sql`SELECT v FROM t WHERE id = 1`).toEqual([{ v: "one" }]);

  let got!: Promise<string>;
  // listen() resolves once the LISTEN has run, so the notify below cannot arrive first.
  await new Promise<void>((subscribed) => {
    got = new Promise<string>((resolve) => void sql.listen("ch", resolve).then(() => subscribed()));
  });
  await sql`SELECT pg_notify('ch', 'hello')`;
  expect(await got).toBe("hello");
  await sql.close();

  await pg.stop();
  expect(await accepts(pg.port)).toBe(false);
}, 90_000);

test("two clusters side by side each get their own port and database", async () => {
  const [a, b] = await Promise.all([startPostgres(), startPostgres({ db: "other" })]);
  pgs.push(a, b);
  expect(a.port).not.toBe(b.port);
  const other = new Bun.SQL({ url: await b.database("fresh"), max: 1 });
  expect(await other`SELECT current_database() AS db`).toEqual([{ db: "fresh" }]);
  await other.close();
}, 90_000);
