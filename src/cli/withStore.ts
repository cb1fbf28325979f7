import { connectControl } from "../control/client.ts";
import type { Paths } from "../config/paths.ts";
import { secureDataDir } from "../config/dataDir.ts";
import { dirname } from "node:path";
import { openStore, type Store } from "../store/index.ts";
import { isMcpdError, McpdError } from "../util/errors.ts";

/** A running daemon gets this long to drop what a command changed before the command goes on without it. */
export const NUDGE_TIMEOUT_MS = 2_000;

/** Opens the store for one command and always closes it, so the WAL is checkpointed on the way out. */
export async function withStore<T>(dbFile: string, fn: (store: Store) => T | Promise<T>): Promise<T> {
  let store: Store;
  secureDataDir(dirname(dbFile));
  try {
    store = openStore(dbFile);
  } catch (e) {
    throw busyOr(e, dbFile);
  }
  try {
    return await fn(store);
  } catch (e) {
    throw busyOr(e, dbFile);
  } finally {
    store.close();
  }
}

/**
 * withStore for a command that commits (user add and remove, instance rotate, key
 * rotate). Once the store is closed, a running daemon is told over its control socket and
 * has dropped what the command changed before this returns: the very next request through
 * it sees the revocation, the new key, the new master key. Told even when `fn` failed, as
 * it may have committed part of its work first; a daemon that does not answer in time
 * sees the commit on its own within a second (its poll), which is said on stderr.
 */
export async function changeStore<T>(paths: Pick<Paths, "dbFile" | "controlSocket">, fn: (store: Store) => T | Promise<T>): Promise<T> {
  try {
    return await withStore(paths.dbFile, fn);
  } finally {
    await tellDaemon(paths.controlSocket);
  }
}

/** True when a running daemon confirmed it has applied the change. */
export async function tellDaemon(socket: string): Promise<boolean> {
  try {
    await connectControl(socket).storeChanged(NUDGE_TIMEOUT_MS);
    return true;
  } catch (e) {
    if (isMcpdError(e) && e.code === "not-running") return false;
    process.stderr.write(`mcpd: the running daemon did not confirm the change (${(e as Error).message}); it applies it on its own within a second\n`);
    return false;
  }
}

/** SQLite's busy error as one line that says nothing was stored; any other error as it is. */
function busyOr(e: unknown, dbFile: string): unknown {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== "string" || !code.startsWith("SQLITE_BUSY")) return e;
  return new McpdError("store-busy", `${dbFile} stayed locked by another mcpd command for 5 s; nothing was stored, run it again`);
}
