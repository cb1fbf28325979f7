import type { AuditEntry, Store } from "../store/index.ts";

/** Rows are written in one transaction at most this often … */
export const AUDIT_FLUSH_MS = 250;
/** … or as soon as this many are waiting. */
const AUDIT_BATCH_ROWS = 500;
/** While SQLite is busy rows wait; past this many the oldest are dropped (and counted). */
const AUDIT_QUEUE_MAX = 100_000;

/**
 * The audit log's writer, off the request path: a request pushes a row into a queue and
 * moves on; a timer writes the queue as one `BEGIN IMMEDIATE` batch. A write that fails
 * (the database locked past busy_timeout by a CLI command) keeps its rows for the next try.
 */
export class AuditWriter {
  private queue: AuditEntry[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  /** the pending timer is the immediate one for a full batch */
  private soon = false;
  private closed = false;
  dropped = 0;
  private warned = false;

  constructor(private readonly store: Pick<Store, "audit">) {}

  push(row: AuditEntry): void {
    if (this.closed) return;
    this.queue.push(row);
    if (this.queue.length > AUDIT_QUEUE_MAX) this.dropped += this.queue.splice(0, this.queue.length - AUDIT_QUEUE_MAX).length;
    // A full batch is written on the next turn of the event loop, not inside this request.
    const due = this.queue.length >= AUDIT_BATCH_ROWS ? 0 : AUDIT_FLUSH_MS;
    if (this.timer && due === 0 && !this.soon) (clearTimeout(this.timer), (this.timer = null));
    if (!this.timer) {
      this.soon = due === 0;
      this.timer = setTimeout(() => this.flush(), due);
      this.timer.unref?.();
    }
  }

  flush(): void {
    if (this.timer) (clearTimeout(this.timer), (this.timer = null));
    if (!this.queue.length) return;
    const rows = this.queue;
    this.queue = [];
    try {
      this.store.audit.append(rows);
    } catch (e) {
      this.queue = rows.concat(this.queue);
      if (!this.warned) {
        this.warned = true;
        console.error(`mcpd: audit rows are waiting: ${(e as Error).message}`);
      }
      if (!this.closed) {
        this.timer = setTimeout(() => this.flush(), AUDIT_FLUSH_MS * 4);
        this.timer.unref?.();
      }
    }
  }

  /** Writes what is queued; rows pushed afterwards are ignored. */
  close(): void {
    this.flush();
    this.closed = true;
  }
}
