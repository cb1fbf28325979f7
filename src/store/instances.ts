import type { Db } from "./db.ts";

export interface InstanceRow {
  idHash: string;
  ref: string;
  userId: string;
  service: string;
  createdAt: number;
  revokedAt: number | null;
  /** encodePolicy's JSON (src/policy/toolPolicy.ts); null = every tool */
  toolPolicy: string | null;
}

const COLUMNS = "id_hash AS idHash, ref, user_id AS userId, service, created_at AS createdAt, revoked_at AS revokedAt, tool_policy AS toolPolicy";

export class InstancesRepo {
  private readonly insert;
  private readonly byHash;
  private readonly byRef;
  private readonly live;
  private readonly liveOfUser;
  private readonly allRows;
  private readonly liveCount;
  private readonly usersPerService;
  private readonly revokeOne;
  private readonly revokeUser;
  private readonly revokeUserService;
  private readonly setPolicy;
  private readonly restricted;

  constructor(db: Db) {
    this.insert = db.prepare(
      "INSERT INTO instances (id_hash, ref, user_id, service, created_at, tool_policy) VALUES (@idHash, @ref, @userId, @service, @createdAt, @toolPolicy)",
    );
    this.byHash = db.prepare(`SELECT ${COLUMNS} FROM instances WHERE id_hash = ?`);
    this.byRef = db.prepare(`SELECT ${COLUMNS} FROM instances WHERE ref = ?`);
    this.live = db.prepare(`SELECT ${COLUMNS} FROM instances WHERE user_id = ? AND service = ? AND revoked_at IS NULL`);
    this.liveOfUser = db.prepare(`SELECT ${COLUMNS} FROM instances WHERE user_id = ? AND revoked_at IS NULL ORDER BY service`);
    this.allRows = db.prepare(`SELECT ${COLUMNS} FROM instances WHERE revoked_at IS NULL ORDER BY user_id, service`);
    this.liveCount = db.prepare("SELECT COUNT(*) AS n FROM instances WHERE revoked_at IS NULL");
    this.usersPerService = db.prepare("SELECT service, COUNT(DISTINCT user_id) AS users FROM instances WHERE revoked_at IS NULL GROUP BY service");
    this.revokeOne = db.prepare("UPDATE instances SET revoked_at = ? WHERE id_hash = ? AND revoked_at IS NULL");
    this.revokeUser = db.prepare("UPDATE instances SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL");
    this.restricted = db.prepare(`SELECT ${COLUMNS} FROM instances WHERE revoked_at IS NULL AND tool_policy IS NOT NULL ORDER BY user_id, service`);
    this.setPolicy = db.prepare("UPDATE instances SET tool_policy = ? WHERE id_hash = ? AND revoked_at IS NULL");
    this.revokeUserService = db.prepare(
      "UPDATE instances SET revoked_at = ? WHERE user_id = ? AND service = ? AND revoked_at IS NULL",
    );
  }

  add(row: Omit<InstanceRow, "revokedAt" | "toolPolicy"> & { toolPolicy?: string | null }): void {
    this.insert.run({ toolPolicy: null, ...row });
  }
  /** A live instance's tool policy (encodePolicy's text, null = every tool); false when it is not live. */
  setToolPolicy(idHash: string, policy: string | null): boolean {
    return this.setPolicy.run(policy, idHash).changes > 0;
  }
  findByHash(idHash: string): InstanceRow | undefined {
    return this.byHash.get(idHash) as InstanceRow | undefined;
  }
  findByRef(ref: string): InstanceRow | undefined {
    return this.byRef.get(ref) as InstanceRow | undefined;
  }
  liveFor(userId: string, service: string): InstanceRow | undefined {
    return this.live.get(userId, service) as InstanceRow | undefined;
  }
  liveOf(userId: string): InstanceRow[] {
    return this.liveOfUser.all(userId) as InstanceRow[];
  }
  listLive(): InstanceRow[] {
    return this.allRows.all() as InstanceRow[];
  }
  /** Live instances with a tool policy: few, as every tool is the default. */
  listRestricted(): InstanceRow[] {
    return this.restricted.all() as InstanceRow[];
  }
  /** Counted in SQLite: the daemon's status (once a second per TUI) must not load every row. */
  countLive(): number {
    return (this.liveCount.get() as { n: number }).n;
  }
  /** Users with a live instance, per service. */
  liveUsersPerService(): Map<string, number> {
    return new Map((this.usersPerService.all() as Array<{ service: string; users: number }>).map((r) => [r.service, r.users]));
  }
  revoke(idHash: string, now: number): boolean {
    return this.revokeOne.run(now, idHash).changes > 0;
  }
  revokeAllOf(userId: string, now: number, service?: string): number {
    return service === undefined
      ? this.revokeUser.run(now, userId).changes
      : this.revokeUserService.run(now, userId, service).changes;
  }
}
