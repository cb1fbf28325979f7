/**
 * "Has the store changed under me?", whatever the engine. The daemon keeps resolved
 * instances and opened keys in memory and must drop them the moment a CLI command (or,
 * with a shared database, another machine) revokes, rotates or removes something. Each
 * store says so its own way (SQLite: a nudge over the control socket, and
 * `PRAGMA data_version` polled as a backstop; PostgreSQL: LISTEN/NOTIFY), behind this.
 */
export interface ChangeFeed {
  /** `fn` runs after every change this feed hears of; returns a function that unsubscribes. */
  onChange(fn: () => void): () => void;
  /** A change the caller knows of (a CLI's nudge): listeners run now, before this returns. */
  changed(): void;
  close(): void;
}

/** The listener list every feed keeps; a listener that throws does not stop the others. */
export class FeedListeners {
  private readonly fns = new Set<() => void>();

  add(fn: () => void): () => void {
    this.fns.add(fn);
    return () => void this.fns.delete(fn);
  }

  fire(onError: (e: unknown) => void): void {
    for (const fn of this.fns) {
      try {
        fn();
      } catch (e) {
        onError(e);
      }
    }
  }
}
