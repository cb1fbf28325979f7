import { decodePolicy, describePolicy, encodePolicy, type ToolPolicy } from "../policy/toolPolicy.ts";
import type { Store } from "../store/index.ts";
import { findTarget, type InstanceTarget } from "./instanceTarget.ts";

export interface SetToolsResult {
  userId: string;
  service: string;
  ref: string;
  /** describePolicy's words, before and after */
  was: string;
  tools: string;
}

/**
 * Changes what a live instance URL may call. The URL stays the same; the daemon drops
 * the instance on the commit's change and applies the policy from its next request.
 */
export function setInstanceTools(store: Store, target: InstanceTarget, policy: ToolPolicy | null): SetToolsResult {
  return store.tx(() => {
    const row = findTarget(store, target);
    store.instances.setToolPolicy(row.idHash, encodePolicy(policy));
    return { userId: row.userId, service: row.service, ref: row.ref, was: describePolicy(decodePolicy(row.toolPolicy)), tools: describePolicy(policy) };
  });
}
