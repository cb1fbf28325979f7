import type { Service } from "../registry/schema.ts";
import type { Store } from "../store/index.ts";
import { hashInstanceId, newInstanceId, refOf } from "./instanceId.ts";

/**
 * Makes a new instance for (user, service) and stores only its hash and ref. The id is
 * returned to be printed once; nothing can recover it later. `toolPolicy` is encodePolicy's
 * text (null: every tool). Call inside a transaction.
 */
export function issueInstance(store: Store, userId: string, service: Pick<Service, "name" | "prefix">, now: number, toolPolicy: string | null = null): { instanceId: string; ref: string } {
  const instanceId = newInstanceId(service.prefix, userId);
  const idHash = hashInstanceId(instanceId);
  const ref = refOf(service.prefix, userId, idHash);
  store.instances.add({ idHash, ref, userId, service: service.name, createdAt: now, toolPolicy });
  return { instanceId, ref };
}
