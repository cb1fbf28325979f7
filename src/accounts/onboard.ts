import { loadKeyring } from "../crypto/masterKey.ts";
import { associatedData, seal } from "../crypto/seal.ts";
import type { Secret } from "../crypto/secret.ts";
import type { Service } from "../registry/schema.ts";
import type { Store } from "../store/index.ts";
import { McpdError } from "../util/errors.ts";
import { fingerprintOf } from "./fingerprint.ts";
import { issueInstance } from "./issueInstance.ts";
import { decodePolicy, describePolicy, encodePolicy, type ToolPolicy } from "../policy/toolPolicy.ts";
import { assertSealingKeyCurrent } from "./keyGuard.ts";
import { userIdFor } from "./userId.ts";
import { validateCredential } from "./validateCredential.ts";

export interface OnboardDeps {
  store: Store;
  /** `data/master.key`: read (created on first use) only once the key has passed validation. */
  keyFile: string;
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
  now?: () => number;
  /** how long to wait for a `mcpd key rotate` running beside this one (default 10 s) */
  rotationWaitMs?: number;
}

export interface AddUserInput {
  userId: string;
  service: Service;
  /** Required when the service's config has a `credential` section. */
  secret: Secret | null;
  /** false = store the key without asking the API (`--no-validate`). */
  validate?: boolean;
  /** true = a new instance URL even when one is live (the old one stops working). */
  rotate?: boolean;
  /** The instance's tool policy (null: every tool); undefined keeps what the live instance has. */
  tools?: ToolPolicy | null;
}

export interface AddUserResult {
  userId: string;
  service: string;
  ref: string;
  /** The full id, only when a new instance was made: it is not stored and cannot be shown again. */
  instanceId: string | null;
  instance: "created" | "kept" | "rotated";
  key: "stored" | "replaced" | "none";
  fingerprint: string | null;
  validated: "local" | "http" | "none" | "skipped";
  /** the instance's tool policy, as describePolicy words it */
  tools: string;
}

/**
 * Onboards one user on one service: validate the key, then in one transaction create the
 * user, store the sealed key and make sure exactly one instance is live. Adding a key
 * again replaces the old key and keeps the instance (its URL stays valid) unless `rotate`.
 */
export async function addUser(deps: OnboardDeps, input: AddUserInput): Promise<AddUserResult> {
  const { store, env = process.env } = deps;
  const { service, secret } = input;
  const userId = userIdFor(store, input.userId);
  if (service.credential && !secret) throw new McpdError("usage", `${service.name} needs a key (${service.credential.label})`);

  // "none": nothing to check (no key, or no check configured); "skipped": --no-validate.
  let validated: AddUserResult["validated"] = secret ? "skipped" : "none";
  if (secret && input.validate !== false) {
    const check = await validateCredential(service, secret, { env, fetch: deps.fetch });
    if (!check.ok) throw new McpdError(`key-${check.reason}`, `${check.message}; nothing was stored`);
    validated = check.checked;
  }

  const fingerprint = secret ? fingerprintOf(secret, service.credential) : null;
  const now = (deps.now ?? Date.now)();
  // A `mcpd key rotate` running beside this command is waited out, not failed: sealed
  // under the key it is replacing, the record would be stranded.
  for (const deadline = Date.now() + (deps.rotationWaitMs ?? ROTATION_WAIT_MS); ; await Bun.sleep(50 + Math.random() * 100)) {
    try {
      return await store_(deps, input, { userId, secret, validated, fingerprint, now });
    } catch (e) {
      if (!(e instanceof McpdError && ROTATING.has(e.code)) || Date.now() >= deadline) throw e;
    }
  }
}

/** How long a command waits for a master key rotation beside it to finish. */
const ROTATION_WAIT_MS = 10_000;
const ROTATING = new Set(["key-rotation-pending", "key-changed"]);

async function store_(
  deps: OnboardDeps,
  input: AddUserInput,
  o: { userId: string; secret: Secret | null; validated: AddUserResult["validated"]; fingerprint: string | null; now: number },
): Promise<AddUserResult> {
  const { store, env = process.env } = deps;
  const { service } = input;
  const { userId, secret, validated, fingerprint, now } = o;
  const keyring = secret ? await loadKeyring(deps.keyFile, { create: true, env }) : null;
  const sealed = secret && keyring ? seal(keyring, secret.reveal(), associatedData(userId, service.name)) : null;
  return store.tx(() => {
    if (keyring) assertSealingKeyCurrent(keyring, deps.keyFile, env);
    store.users.ensure(userId, now);
    let key: AddUserResult["key"] = "none";
    if (sealed && fingerprint) {
      key = store.credentials.get(userId, service.name) ? "replaced" : "stored";
      store.credentials.put({ userId, service: service.name, ...sealed, fingerprint, updatedAt: now });
    }
    const live = store.instances.liveFor(userId, service.name);
    const policy = input.tools === undefined ? (live?.toolPolicy ?? null) : encodePolicy(input.tools);
    const tools = describePolicy(decodePolicy(policy));
    if (live && !input.rotate) {
      if (policy !== live.toolPolicy) store.instances.setToolPolicy(live.idHash, policy);
      return { userId, service: service.name, ref: live.ref, instanceId: null, instance: "kept", key, fingerprint, validated, tools };
    }
    if (live) store.instances.revoke(live.idHash, now);
    const made = issueInstance(store, userId, service, now, policy);
    return { userId, service: service.name, ref: made.ref, instanceId: made.instanceId, instance: live ? "rotated" : "created", key, fingerprint, validated, tools };
  });
}
