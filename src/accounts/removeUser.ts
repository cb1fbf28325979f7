import type { Store } from "../store/index.ts";
import { McpdError } from "../util/errors.ts";
import { knownUserId } from "./userId.ts";

export interface RemoveUserResult {
  userId: string;
  /** Services whose instance URL or key was removed. */
  services: string[];
  revokedInstances: number;
  deletedKeys: number;
  /** The user row goes with their last service. */
  userRemoved: boolean;
}

/**
 * Revokes a user's instance URLs (all, or one service's) and deletes their sealed keys in
 * one transaction. Revoked instance rows stay, so an old URL answers 403, not 404.
 */
export function removeUser(store: Store, asked: string, opts: { service?: string; now?: number } = {}): RemoveUserResult {
  const now = opts.now ?? Date.now();
  return store.tx(() => {
    const userId = knownUserId(store, asked);
    if (!userId) throw new McpdError("unknown-user", `no user "${asked}" (see: mcpd user list)`);
    const touched = new Set<string>();
    for (const i of store.instances.liveOf(userId)) if (opts.service === undefined || i.service === opts.service) touched.add(i.service);
    for (const c of store.credentials.listOfUser(userId)) if (opts.service === undefined || c.service === opts.service) touched.add(c.service);
    if (opts.service !== undefined && touched.size === 0) {
      throw new McpdError("unknown-instance", `user "${userId}" has nothing on service "${opts.service}" (see: mcpd user list)`);
    }
    const revokedInstances = store.instances.revokeAllOf(userId, now, opts.service);
    const deletedKeys = store.credentials.remove(userId, opts.service);
    const left = store.instances.liveOf(userId).length + store.credentials.listOfUser(userId).length;
    const userRemoved = left === 0 && store.users.remove(userId);
    return { userId, services: [...touched].sort(), revokedInstances, deletedKeys, userRemoved };
  });
}
