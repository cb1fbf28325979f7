import Database from "better-sqlite3";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { migrate } from "./migrations/index.ts";

export type Db = Database.Database;

/** Writers wait this long for another process's write lock before giving up. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating if needed) the store and brings its schema up to date. WAL lets the
 * daemon read while a CLI command writes; `synchronous=NORMAL` is durable across a
 * process crash, which is the failure we guard against.
 */
export function openDb(file: string): Db {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  createPrivate(file);
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma("foreign_keys = ON");
  migrate(db);
  return db;
}

/**
 * SQLite creates its WAL and shared-memory files with the mode of the database file, so the
 * database file is made 0600 before SQLite first opens it. Done before this process holds any SQLite lock on it:
 * closing a descriptor of the file later would drop those locks.
 */
function createPrivate(file: string): void {
  if (file === ":memory:") return;
  try {
    closeSync(openSync(file, "wx", 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
}

/**
 * Runs `fn` in a `BEGIN IMMEDIATE` transaction: the write lock is taken up front, so
 * busy_timeout applies (a deferred read-then-write transaction would fail at once).
 */
export function writeTx<T>(db: Db, fn: () => T): T {
  return db.transaction(fn).immediate();
}
