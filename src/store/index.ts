import { openDb, writeTx, type Db } from "./db.ts";
import { UsersRepo } from "./users.ts";
import { CredentialsRepo } from "./credentials.ts";
import { InstancesRepo } from "./instances.ts";
import { AuditRepo } from "./audit.ts";
import type { ChangeFeed } from "./changeFeed.ts";
import { sqliteFeed } from "./sqliteFeed.ts";

export interface Store {
  db: Db;
  users: UsersRepo;
  credentials: CredentialsRepo;
  instances: InstancesRepo;
  audit: AuditRepo;
  /** Runs `fn` as one BEGIN IMMEDIATE transaction. */
  tx<T>(fn: () => T): T;
  /**
   * Tells of commits by other connections (CLI commands, other machines): the daemon
   * drops cached instances and keys on each. One feed per caller; closed with the store.
   */
  watch(): ChangeFeed;
  close(): void;
}

export function openStore(file: string): Store {
  const db = openDb(file);
  const version = db.prepare("PRAGMA data_version").pluck();
  const feeds: ChangeFeed[] = [];
  return {
    db,
    users: new UsersRepo(db),
    credentials: new CredentialsRepo(db),
    instances: new InstancesRepo(db),
    audit: new AuditRepo(db),
    tx: (fn) => writeTx(db, fn),
    watch() {
      const feed = sqliteFeed(() => version.get() as number);
      feeds.push(feed);
      return feed;
    },
    close: () => {
      for (const f of feeds.splice(0)) f.close();
      db.close();
    },
  };
}

export type { Db };
export type { UserRow } from "./users.ts";
export type { CredentialRow } from "./credentials.ts";
export type { InstanceRow } from "./instances.ts";
export type { AuditEntry, AuditQuery } from "./audit.ts";
