import type { Store } from "../store/index.ts";

/**
 * Drops the proxy's caches the moment another connection (a CLI command: user remove,
 * instance rotate, key rotate) commits to the store. `PRAGMA data_version` costs about a
 * microsecond, so it is checked on every request: a revocation takes effect on the next
 * request, not after a cache TTL.
 */
export class StoreEpoch {
  private seen: number;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly store: Pick<Store, "dataVersion">) {
    this.seen = store.dataVersion();
  }

  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** Call once per request, before any cache is read. */
  check(): void {
    const v = this.store.dataVersion();
    if (v !== this.seen) this.invalidate(v);
  }

  /** For changes the daemon itself makes on its own connection, which data_version does not count. */
  invalidate(version = this.store.dataVersion()): void {
    this.seen = version;
    for (const fn of this.listeners) fn();
  }
}
