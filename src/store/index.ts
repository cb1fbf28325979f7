import { openDb, writeTx, type Db } from "./db.ts";
import { UsersRepo } from "./users.ts";
import { CredentialsRepo } from "./credentials.ts";
import { InstancesRepo } from "./instances.ts";
import { AuditRepo } from "./audit.ts";
import { mapWalHeader } from "./walHeader.ts";

export interface Store {
  db: Db;
  users: UsersRepo;
  credentials: CredentialsRepo;
  instances: InstancesRepo;
  audit: AuditRepo;
  /** Runs `fn` as one BEGIN IMMEDIATE transaction. */
  tx<T>(fn: () => T): T;
  /**
   * Changes whenever another connection (a CLI command) commits: the daemon checks it
   * to drop cached instances and credentials the moment a user is removed or rotated.
   */
  dataVersion(): number;
  /**
   * A live view of the WAL-index header, which any commit rewrites: while it reads the
   * same, dataVersion has not moved. Null when there is none to watch, and once closed.
   */
  walHeader(): Int32Array | null;
  close(): void;
}

export function openStore(file: string): Store {
  const db = openDb(file);
  const version = db.prepare("PRAGMA data_version").pluck();
  let header = mapWalHeader(file);
  return {
    db,
    users: new UsersRepo(db),
    credentials: new CredentialsRepo(db),
    instances: new InstancesRepo(db),
    audit: new AuditRepo(db),
    tx: (fn) => writeTx(db, fn),
    dataVersion: () => version.get() as number,
    walHeader: () => header,
    close: () => {
      header = null;
      db.close();
    },
  };
}

export type { Db };
export type { UserRow } from "./users.ts";
export type { CredentialRow } from "./credentials.ts";
export type { InstanceRow } from "./instances.ts";
export type { AuditEntry, AuditQuery } from "./audit.ts";
