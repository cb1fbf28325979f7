import { hashInstanceId, userOfRef } from "../accounts/instanceId.ts";
import type { Store } from "../store/index.ts";
import { CHECK, REF, RESOLVED, REVOKED, SERVICE, SUSPENDED, type InstanceTable } from "./instanceTable.ts";
import { hexCheck, hexKey } from "./numberKey.ts";
import { compilePolicy, decodePolicy, type CompiledPolicy } from "../policy/toolPolicy.ts";

/** What an instance id grants: one user, one service. `ref` is its public name for logs; `row` its InstanceTable row. */
export interface Instance {
  ref: string;
  userId: string;
  service: string;
  row: number;
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

/**
 * Instance id → instance. The id is hashed (SHA-256) and looked up by hash: the store
 * never holds ids, and an index lookup on a hash takes the same time however much of a
 * guess is right. Known instances get a row in the InstanceTable, read again from the
 * store after `clear()` (the store's change feed: any outside commit); unknown ids get nothing, so
 * guessing can't fill memory.
 */
export class Resolver {
  /** Rows resolved in an older generation are read from the store again before use. */
  private generation = 1;
  /** The tool policy of each row whose instance has one (most have none: no entry). */
  private readonly policies = new Map<number, CompiledPolicy>();

  constructor(
    private readonly store: Pick<Store, "instances" | "users">,
    private readonly table: InstanceTable,
  ) {}

  clear(): void {
    this.generation++;
  }

  /** The tool policy of the instance resolve() last put on `row`; null for all tools. */
  policy(row: number): CompiledPolicy | null {
    return this.policies.get(row) ?? null;
  }

  resolve(instanceId: string, service: string): Resolution {
    const hash = hashInstanceId(instanceId);
    const key = hexKey(hash);
    const check = hexCheck(hash);
    const t = this.table;
    let row = t.find(key);
    if (row >= 0 && (t.num(row, CHECK) !== check || t.num(row, RESOLVED) !== this.generation)) row = -1;
    if (row >= 0 && t.serviceName(t.num(row, SERVICE)) !== service) {
      // A known id on the wrong service takes the same path as an unknown id (one indexed
      // lookup), so neither body nor timing tells it apart.
      this.store.instances.findByHash(hash);
      return UNKNOWN;
    }
    if (row < 0) {
      const found = this.store.instances.findByHash(hash);
      if (!found || found.service !== service || userOfRef(found.ref) !== found.userId) return UNKNOWN;
      const user = this.store.users.get(found.userId);
      row = t.insert(key);
      // A different instance on this row (52 bits alike, by chance) gives it up: the row is
      // this instance's from now on, counters and opened key starting over.
      if (t.num(row, CHECK) !== check) (t.reset(row), t.setNum(row, CHECK, check));
      t.setNum(row, SERVICE, t.serviceIndex(service));
      t.setNum(row, RESOLVED, this.generation);
      t.setNum(row, REVOKED, found.revokedAt !== null || !user ? 1 : 0);
      t.setNum(row, SUSPENDED, user?.suspended ? 1 : 0);
      t.setText(row, REF, found.ref);
      const policy = decodePolicy(found.toolPolicy);
      if (policy) this.policies.set(row, compilePolicy(policy));
      else this.policies.delete(row);
    }
    const ref = t.text(row, REF);
    const instance = { ref, userId: userOfRef(ref), service, row };
    if (t.num(row, REVOKED) === 1) return { ok: false, status: 403, code: "revoked", instance, message: `instance ${ref} was revoked; ask for a new instance URL` };
    if (t.num(row, SUSPENDED) === 1) return { ok: false, status: 403, code: "suspended", instance, message: `user ${instance.userId} is suspended` };
    return { ok: true, instance };
  }
}
