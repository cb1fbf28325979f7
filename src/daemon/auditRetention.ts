import type { Store } from "../store/index.ts";

/** What `mcpd start` keeps without `--audit-days`. */
export const AUDIT_DAYS_DEFAULT = 90;
const DAY_MS = 86_400_000;
/** Rows deleted per transaction: a few milliseconds, so requests and the audit writer get in between. */
const BATCH_ROWS = 5_000;
/** How often old rows are looked for, besides at start. */
const EVERY_MS = 60 * 60_000;

export interface AuditRetention {
  /** No batch starts after this; call before the store closes. */
  stop(): void;
  /** Resolves when the pass under way (the one at start, first) has finished. */
  readonly settled: Promise<void>;
}

/**
 * Keeps the audit log to its last `days` days (0 keeps every row), like the services'
 * logs are kept to a size: at start and then hourly the oldest rows go, in batches of
 * their own transactions with the event loop free between them. SQLite reuses the pages
 * they free, so the file stops growing rather than shrinking.
 */
export function startAuditRetention(o: { store: Pick<Store, "audit">; days: number; log: (line: string) => void; now?: () => number; everyMs?: number }): AuditRetention {
  if (o.days <= 0) return { stop() {}, settled: Promise.resolve() };
  const now = o.now ?? Date.now;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let settled = Promise.resolve();
  const age = `older than ${o.days} day${o.days === 1 ? "" : "s"}`;

  async function pass(): Promise<void> {
    const cutoff = now() - o.days * DAY_MS;
    let removed = 0;
    try {
      for (;;) {
        const n = o.store.audit.deleteBefore(cutoff, BATCH_ROWS);
        removed += n;
        if (n < BATCH_ROWS) break;
        await Bun.sleep(0);
        if (stopped) break;
      }
    } catch (e) {
      // A CLI command holding the write lock past busy_timeout: the next pass tries again.
      o.log(`audit: could not remove rows ${age}: ${(e as Error).message}`);
    }
    if (removed) o.log(`audit: removed ${removed} row(s) ${age}`);
    if (stopped) return;
    timer = setTimeout(() => (settled = pass()), o.everyMs ?? EVERY_MS);
    timer.unref?.();
  }

  settled = pass();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    get settled() {
      return settled;
    },
  };
}
