import { associatedData, open, SealError, type Keyring, type Sealed } from "../crypto/seal.ts";
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
/** A record under a key this process has not seen makes it re-read the key files, at most this often. */
export const KEYRING_RELOAD_MS = 1_000;

export type CredentialResult = { ok: true; secret: Secret | null } | { ok: false; code: "credential-unreadable"; message: string };

/** A cache entry is also the answer, so a hit allocates nothing. */
type Opened = { ok: true; secret: Secret | null; until: number };

export class Credentials {
  /** service → user → opened key. Nested rather than one joined key: no extra string per user. */
  private readonly cache = new Map<string, Map<string, Opened>>();
  private size = 0;
  private nextSweep = 0;
  private nextReload = 0;

  /** `reload` re-reads the master keys: `mcpd key rotate` re-seals under a key the daemon was not started with. */
  constructor(
    private readonly store: Pick<Store, "credentials">,
    private keyring: Keyring,
    private readonly now: () => number,
    private readonly reload?: () => Keyring,
  ) {}

  clear(): void {
    this.cache.clear();
    this.size = 0;
  }

  /** The user's key for the service, or null when none is stored. */
  get(userId: string, service: string): CredentialResult {
    const now = this.now();
    if (now >= this.nextSweep) this.sweep(now);
    let users = this.cache.get(service);
    const hit = users?.get(userId);
    if (hit && hit.until > now) return hit;
    const row = this.store.credentials.get(userId, service);
    let secret: Secret | null = null;
    if (row) {
      try {
        secret = this.open(row, associatedData(userId, service), now);
      } catch (e) {
        // SealError messages name the key id or the tampering, never the plaintext.
        return { ok: false, code: "credential-unreadable", message: `the stored key of user ${userId} for ${service} cannot be opened: ${(e as Error).message}` };
      }
    }
    if (this.size >= CACHE_MAX) (this.clear(), (users = undefined));
    if (!users) this.cache.set(service, (users = new Map()));
    if (!users.has(userId)) this.size++;
    const opened: Opened = { ok: true, secret, until: now + CREDENTIAL_TTL_MS };
    users.set(userId, opened);
    return opened;
  }

  private open(row: Sealed, ad: Uint8Array, now: number): Secret {
    try {
      return open(this.keyring, row, ad);
    } catch (e) {
      if (!(e instanceof SealError && e.code === "unknown-key" && this.reload && now >= this.nextReload)) throw e;
      this.nextReload = now + KEYRING_RELOAD_MS;
      this.keyring = this.reload();
      return open(this.keyring, row, ad);
    }
  }

  /** Expired keys leave memory within a TTL, not whenever their user comes back. */
  private sweep(now: number): void {
    this.nextSweep = now + CREDENTIAL_TTL_MS / 4;
    for (const users of this.cache.values()) {
      for (const [userId, v] of users) if (v.until <= now && users.delete(userId)) this.size--;
    }
  }
}
