import type { Registry } from "../registry/load.ts";
import type { Store, InstanceRow } from "../store/index.ts";
import { McpdError } from "../util/errors.ts";
import { hashInstanceId } from "./instanceId.ts";
import { issueInstance } from "./issueInstance.ts";
import { knownUserId } from "./userId.ts";

/** Which instance to rotate: its full id or public ref, or the live one of a user on a service. */
export type InstanceTarget = { idOrRef: string } | { userId: string; service: string };

export interface RotateInstanceResult {
  userId: string;
  service: string;
  oldRef: string;
  ref: string;
  /** Shown once; the store keeps only its hash. */
  instanceId: string;
}

/** A ref is `{prefix}_{user}_{8 hex}`; a full id ends in 22 base62 digits and is never echoed. */
const REF_SHAPE = /^[a-z]{2,8}_[A-Za-z0-9._@+-]{1,64}_[0-9a-f]{8}$/;

function findTarget(store: Store, target: InstanceTarget): InstanceRow {
  if ("userId" in target) {
    const live = store.instances.liveFor(knownUserId(store, target.userId) ?? target.userId, target.service);
    if (!live) throw new McpdError("unknown-instance", `user "${target.userId}" has no live instance on "${target.service}" (see: mcpd user list)`);
    return live;
  }
  const row = store.instances.findByHash(hashInstanceId(target.idOrRef)) ?? store.instances.findByRef(target.idOrRef);
  // The argument may be a full instance id (a bearer secret): name it only when it is ref-shaped.
  const shown = REF_SHAPE.test(target.idOrRef) ? `"${target.idOrRef}"` : "that id";
  if (!row) throw new McpdError("unknown-instance", `no instance matches ${shown}; give an instance URL's id or a ref from: mcpd user list`);
  if (row.revokedAt !== null) {
    throw new McpdError("revoked-instance", `instance ${row.ref} was already revoked; rotate the live one with: mcpd instance rotate --user ${row.userId} --service ${row.service}`);
  }
  return row;
}

/**
 * Replaces an instance's id: the old one is revoked and the new one made in the same
 * transaction, so the old URL stops working the moment the new one exists.
 */
export function rotateInstance(store: Store, registry: Pick<Registry, "get">, target: InstanceTarget, now = Date.now()): RotateInstanceResult {
  return store.tx(() => {
    const old = findTarget(store, target);
    const service = registry.get(old.service);
    if (!service) throw new McpdError("unknown-service", `instance ${old.ref} is for service "${old.service}", which is no longer configured`);
    store.instances.revoke(old.idHash, now);
    const made = issueInstance(store, old.userId, service, now);
    return { userId: old.userId, service: old.service, oldRef: old.ref, ref: made.ref, instanceId: made.instanceId };
  });
}
