import type { Store } from "../store/index.ts";
import { decodePolicy, describePolicy } from "../policy/toolPolicy.ts";

/** One user on one service, as `mcpd user list` shows it. Never the key, never the instance id. */
export interface AccountRow {
  userId: string;
  /** null for a user with no service left (normally removed with their last one). */
  service: string | null;
  /** The live instance's public ref; null when the key is stored but no URL is live. */
  ref: string | null;
  fingerprint: string | null;
  /** When the live instance (its URL) was made. */
  createdAt: number | null;
  keyUpdatedAt: number | null;
  suspended: boolean;
  /** the live instance's tool policy as describePolicy words it; null with no live instance */
  tools: string | null;
}

/** Every user × service that has a live instance or a stored key, sorted by user then service. */
export function listAccounts(store: Pick<Store, "users" | "credentials" | "instances">): AccountRow[] {
  const rows: AccountRow[] = [];
  for (const user of store.users.list()) {
    const instances = new Map(store.instances.liveOf(user.id).map((i) => [i.service, i]));
    const keys = new Map(store.credentials.listOfUser(user.id).map((c) => [c.service, c]));
    const services = [...new Set([...instances.keys(), ...keys.keys()])].sort();
    if (!services.length) {
      rows.push({ userId: user.id, service: null, ref: null, fingerprint: null, createdAt: null, keyUpdatedAt: null, suspended: user.suspended, tools: null });
    }
    for (const service of services) {
      const i = instances.get(service);
      const k = keys.get(service);
      rows.push({
        userId: user.id,
        service,
        ref: i?.ref ?? null,
        fingerprint: k?.fingerprint ?? null,
        createdAt: i?.createdAt ?? null,
        keyUpdatedAt: k?.updatedAt ?? null,
        suspended: user.suspended,
        tools: i ? describePolicy(decodePolicy(i.toolPolicy)) : null,
      });
    }
  }
  return rows;
}
