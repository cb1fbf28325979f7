import type { Registry } from "../registry/load.ts";
import type { Store } from "../store/index.ts";
import { McpdError } from "../util/errors.ts";
import { findTarget, type InstanceTarget } from "./instanceTarget.ts";
import { issueInstance } from "./issueInstance.ts";

export type { InstanceTarget };

export interface RotateInstanceResult {
  userId: string;
  service: string;
  oldRef: string;
  ref: string;
  /** Shown once; the store keeps only its hash. */
  instanceId: string;
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
    // The new URL grants what the old one did: its tool policy goes with it.
    const made = issueInstance(store, old.userId, service, now, old.toolPolicy);
    return { userId: old.userId, service: old.service, oldRef: old.ref, ref: made.ref, instanceId: made.instanceId };
  });
}
