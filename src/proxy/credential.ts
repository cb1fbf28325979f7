import { associatedData, open, type Keyring } from "../crypto/seal.ts";
import type { Secret } from "../crypto/secret.ts";
import type { Store } from "../store/index.ts";

/**
 * Opens a user's sealed key for a service. Opened keys are kept briefly (and dropped by
 * StoreEpoch the moment a CLI command changes the store), so a busy session doesn't pay
 * a SQLite read plus an AEAD open per request; the TTL bounds how long a plaintext key
 * sits in memory after its user goes quiet.
 */
export const CREDENTIAL_TTL_MS = 60_000;
const CACHE_MAX = 50_000;

export type CredentialResult = { ok: true; secret: Secret | null } | { ok: false; code: "credential-unreadable"; message: string };

export class Credentials {
  private readonly cache = new Map<string, { secret: Secret | null; until: number }>();
  private nextSweep = 0;

  constructor(
    private readonly store: Pick<Store, "credentials">,
    private readonly keyring: Keyring,
    private readonly now: () => number,
  ) {}

  clear(): void {
    this.cache.clear();
  }

  /** The user's key for the service, or null when none is stored. */
  get(userId: string, service: string): CredentialResult {
    const key = `${userId}\u0000${service}`;
    const now = this.now();
    if (now >= this.nextSweep) this.sweep(now);
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return { ok: true, secret: hit.secret };
    const row = this.store.credentials.get(userId, service);
    let secret: Secret | null = null;
    if (row) {
      try {
        secret = open(this.keyring, row, associatedData(userId, service));
      } catch (e) {
        // SealError messages name the key id or the tampering, never the plaintext.
        return { ok: false, code: "credential-unreadable", message: `the stored key of user ${userId} for ${service} cannot be opened: ${(e as Error).message}` };
      }
    }
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(key, { secret, until: now + CREDENTIAL_TTL_MS });
    return { ok: true, secret };
  }

  /** Expired keys leave memory within a TTL, not whenever their user comes back. */
  private sweep(now: number): void {
    this.nextSweep = now + CREDENTIAL_TTL_MS / 4;
    for (const [k, v] of this.cache) if (v.until <= now) this.cache.delete(k);
  }
}
