import { openStore, type Store } from "../store/index.ts";

/** Opens the store for one command and always closes it, so the WAL is checkpointed on the way out. */
export async function withStore<T>(dbFile: string, fn: (store: Store) => T | Promise<T>): Promise<T> {
  const store = openStore(dbFile);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}
