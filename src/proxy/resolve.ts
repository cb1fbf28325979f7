import { hashInstanceId } from "../accounts/instanceId.ts";
import type { Store } from "../store/index.ts";

/** What an instance id grants: one user, one service. `ref` is its public name for logs. */
export interface Instance {
  ref: string;
  userId: string;
  service: string;
}

export type Resolution =
  | { ok: true; instance: Instance }
  | { ok: false; status: 404 | 403; code: "unknown-instance" | "revoked" | "suspended"; message: string; instance?: Instance };

/** One message for an unknown id and for a known id on the wrong service: they must look alike. */
const UNKNOWN = {
  ok: false,
  status: 404,
  code: "unknown-instance",
  message: "no such instance URL; ask for your instance URL again (mcpd user list)",
} as const;

/** Enough for every live instance of a large install; past it the cache starts over. */
const CACHE_MAX = 50_000;

/** One object per known instance (it is also the Instance handed out): 10,000 users keep 10,000 of them. */
type Cached = Instance & { revoked: boolean; suspended: boolean };

/**
 * Instance id → instance. The id is hashed (SHA-256) and looked up by hash: the store
 * never holds ids, and an index lookup on a hash takes the same time however much of a
 * guess is right. Known ids are cached (cleared by StoreEpoch on any outside change);
 * unknown ids are not, so guessing can't fill memory.
 */
export class Resolver {
  private readonly cache = new Map<string, Cached>();
  /** Service names as first seen, so cached instances share one string per service. */
  private readonly names = new Map<string, string>();

  constructor(private readonly store: Pick<Store, "instances" | "users">) {}

  clear(): void {
    this.cache.clear();
  }

  resolve(instanceId: string, service: string): Resolution {
    const hash = hashInstanceId(instanceId);
    // Keyed by service too: a known id on the wrong service always takes the same path as
    // an unknown id (one indexed lookup, nothing cached), so neither body nor timing differs.
    const key = `${service}\u0000${hash}`;
    let c = this.cache.get(key);
    if (!c) {
      const row = this.store.instances.findByHash(hash);
      if (!row || row.service !== service) return UNKNOWN;
      const user = this.store.users.get(row.userId);
      let name = this.names.get(row.service);
      if (name === undefined) this.names.set(row.service, (name = row.service));
      c = { ref: row.ref, userId: row.userId, service: name, revoked: row.revokedAt !== null || !user, suspended: user?.suspended ?? false };
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(key, c);
    }
    if (c.revoked) {
      return { ok: false, status: 403, code: "revoked", instance: c, message: `instance ${c.ref} was revoked; ask for a new instance URL` };
    }
    if (c.suspended) {
      return { ok: false, status: 403, code: "suspended", instance: c, message: `user ${c.userId} is suspended` };
    }
    return { ok: true, instance: c };
  }
}
