import type { InstanceRow, Store } from "../store/index.ts";
import { McpdError } from "../util/errors.ts";
import { hashInstanceId } from "./instanceId.ts";
import { knownUserId } from "./userId.ts";

/** Which instance a command acts on: its full id or public ref, or the live one of a user on a service. */
export type InstanceTarget = { idOrRef: string } | { userId: string; service: string };

/** A ref is `{prefix}_{user}_{8 hex}`; a full id ends in 22 base62 digits and is never echoed. */
const REF_SHAPE = /^[a-z]{2,8}_[A-Za-z0-9._@+-]{1,64}_[0-9a-f]{8}$/;

/** The live instance a command names; a one-line error when there is none. */
export function findTarget(store: Store, target: InstanceTarget): InstanceRow {
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

