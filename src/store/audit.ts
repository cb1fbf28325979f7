import type { Db } from "./db.ts";

/** One proxied request. Never a credential, never a body, never the instance id itself. */
export interface AuditEntry {
  ts: number;
  userId: string | null;
  service: string | null;
  /** The instance's public ref, not its id (the id is a bearer secret). */
  instance: string | null;
  method: string | null;
  tool: string | null;
  status: number;
  latencyMs: number;
  bytesIn: number;
  bytesOut: number;
  /** Set for notable events, e.g. "session-mismatch". */
  event: string | null;
}

export interface AuditQuery {
  userId?: string;
  service?: string;
  sinceMs?: number;
  limit?: number;
}

export class AuditRepo {
  private readonly insert;
  private readonly writeMany;
  private readonly deleteOldest;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT INTO audit (ts, user_id, service, instance, method, tool, status, latency_ms, bytes_in, bytes_out, event)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const oldest = db.prepare("DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE ts < ? ORDER BY ts LIMIT ?)");
    this.deleteOldest = db.transaction((ts: number, max: number) => oldest.run(ts, max).changes);
    // Positional: binding by name costs a property lookup per column through N-API.
    this.writeMany = db.transaction((rows: AuditEntry[]) => {
      for (const r of rows) this.insert.run(r.ts, r.userId, r.service, r.instance, r.method, r.tool, r.status, r.latencyMs, r.bytesIn, r.bytesOut, r.event);
    });
  }

  /**
   * Deletes up to `max` of the oldest rows from before `ts` (through the ts index), in
   * one short transaction; returns how many went. Called in a loop, it lets writers in
   * between batches.
   */
  deleteBefore(ts: number, max: number): number {
    return this.deleteOldest.immediate(ts, max);
  }

  /** Writes a batch in one transaction: one fsync-free commit for many rows. */
  append(rows: AuditEntry[]): void {
    if (rows.length) this.writeMany.immediate(rows);
  }

  query(q: AuditQuery): AuditEntry[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.userId !== undefined) (where.push("user_id = ?"), args.push(q.userId));
    if (q.service !== undefined) (where.push("service = ?"), args.push(q.service));
    if (q.sinceMs !== undefined) (where.push("ts >= ?"), args.push(q.sinceMs));
    const sql = `SELECT ts, user_id AS userId, service, instance, method, tool, status, latency_ms AS latencyMs,
        bytes_in AS bytesIn, bytes_out AS bytesOut, event FROM audit
      ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY ts DESC, id DESC LIMIT ?`;
    return this.db.prepare(sql).all(...args, q.limit ?? 1000) as AuditEntry[];
  }
}
