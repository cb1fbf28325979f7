import type { Db } from "./db.ts";

export interface UserRow {
  id: string;
  createdAt: number;
  suspended: boolean;
}

export class UsersRepo {
  private readonly insert;
  private readonly byId;
  private readonly all;
  private readonly total;
  private readonly del;
  private readonly setSuspended;

  constructor(db: Db) {
    this.insert = db.prepare("INSERT INTO users (id, created_at) VALUES (?, ?) ON CONFLICT(id) DO NOTHING");
    this.byId = db.prepare("SELECT id, created_at AS createdAt, suspended FROM users WHERE id = ?");
    this.all = db.prepare("SELECT id, created_at AS createdAt, suspended FROM users ORDER BY id");
    this.total = db.prepare("SELECT COUNT(*) AS n FROM users");
    this.del = db.prepare("DELETE FROM users WHERE id = ?");
    this.setSuspended = db.prepare("UPDATE users SET suspended = ? WHERE id = ?");
  }

  ensure(id: string, now: number): void {
    this.insert.run(id, now);
  }
  get(id: string): UserRow | undefined {
    const r = this.byId.get(id) as (Omit<UserRow, "suspended"> & { suspended: number }) | undefined;
    return r && { ...r, suspended: r.suspended === 1 };
  }
  count(): number {
    return (this.total.get() as { n: number }).n;
  }
  list(): UserRow[] {
    return (this.all.all() as Array<Omit<UserRow, "suspended"> & { suspended: number }>).map((r) => ({ ...r, suspended: r.suspended === 1 }));
  }
  remove(id: string): boolean {
    return this.del.run(id).changes > 0;
  }
  suspend(id: string, suspended: boolean): boolean {
    return this.setSuspended.run(suspended ? 1 : 0, id).changes > 0;
  }
}
