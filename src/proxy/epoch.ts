import type { Store } from "../store/index.ts";
import { WAL_HEADER_WORDS } from "../store/walHeader.ts";

const ASK_AT_LEAST_EVERY_MS = 1_000;

/**
 * Drops the proxy's caches the moment another connection (a CLI command: user remove,
 * instance rotate, key rotate) commits to the store, so a revocation takes effect on the
 * next request, not after a cache TTL. Checked on every request: while the WAL-index
 * header reads as it did, nothing was committed and the check is a dozen memory loads;
 * once it moves (any commit, the daemon's own audit rows included) `PRAGMA data_version`
 * says whether another connection's commit was among them. SQLite is asked at least once
 * a second anyway, so a header that stopped telling (its file replaced under a running
 * daemon, say) delays a revocation by a second at most.
 */
export class StoreEpoch {
  private seen: number;
  /** the WAL-index header as it read the last time SQLite was asked */
  private readonly header = new Int32Array(WAL_HEADER_WORDS);
  private readonly listeners: Array<() => void> = [];
  private askedAt: number;

  constructor(
    private readonly store: Pick<Store, "dataVersion" | "walHeader">,
    private readonly now: () => number = Date.now,
  ) {
    const live = store.walHeader();
    if (live) this.header.set(live);
    this.seen = store.dataVersion();
    this.askedAt = now();
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** Call once per request, before any cache is read. */
  check(): void {
    const live = this.store.walHeader();
    if (live) {
      const now = this.now();
      if (this.unchanged(live) && now - this.askedAt < ASK_AT_LEAST_EVERY_MS) return;
      this.askedAt = now;
      // Copied before SQLite is asked: a commit landing in between moves the header again.
      this.header.set(live);
    }
    const v = this.store.dataVersion();
    if (v !== this.seen) this.invalidate(v);
  }

  private unchanged(live: Int32Array): boolean {
    const h = this.header;
    for (let i = 0; i < WAL_HEADER_WORDS; i++) if (live[i] !== h[i]) return false;
    return true;
  }

  /** For changes the daemon itself makes on its own connection, which data_version does not count. */
  invalidate(version = this.store.dataVersion()): void {
    this.seen = version;
    for (const fn of this.listeners) fn();
  }
}
