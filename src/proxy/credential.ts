import { associatedData, open, SealError, type Keyring, type Sealed } from "../crypto/seal.ts";
import { Secret } from "../crypto/secret.ts";
import type { Store } from "../store/index.ts";
import { HAS_KEY, KEY, KEY_OPENED, KEY_UNTIL, type InstanceTable } from "./instanceTable.ts";
import type { Instance } from "./resolve.ts";
import { Patterns } from "../redaction/patterns.ts";
import { secretValuesOf } from "../registry/fields.ts";
import type { Service } from "../registry/schema.ts";

/**
 * Opens a user's sealed key for a service. Opened keys are kept briefly in the instance's
 * InstanceTable row (and dropped the moment the store's change feed tells of a CLI
 * command's commit), so a busy session doesn't pay a SQLite read plus an AEAD open per request. The
 * TTL bounds how long a plaintext key sits in memory after its user goes quiet; the row's
 * bytes are overwritten then, which a JS string's never are.
 */
export const CREDENTIAL_TTL_MS = 60_000;
/** A record under a key this process has not seen makes it re-read the key files, at most this often. */
export const KEYRING_RELOAD_MS = 1_000;

export type CredentialResult = { ok: true; secret: Secret | null } | { ok: false; code: "credential-unreadable"; message: string };

export class Credentials {
  /** Keys opened in an older generation are opened again before use. */
  private generation = 1;
  /** Opened keys too long for the table's column, by row. */
  private readonly long = new Map<number, Secret>();
  private nextSweep = 0;
  /** The redaction patterns of each row's opened key: made on first use, gone with the key. */
  private readonly patternsByRow = new Map<number, Patterns | null>();
  private nextReload = 0;

  /** `reload` re-reads the master keys: `mcpd key rotate` re-seals under a key the daemon was not started with. */
  constructor(
    private readonly store: Pick<Store, "credentials">,
    private keyring: Keyring,
    private readonly now: () => number,
    private readonly table: InstanceTable,
    private readonly reload?: () => Keyring,
  ) {}

  /**
   * The store changed (a key replaced, a user removed, every record re-sealed by `mcpd
   * key rotate`): opened keys go and the master keys are read again, so the next request
   * opens the current record with the current key and never fails for a rotation.
   */
  storeChanged(): void {
    this.clear();
    if (!this.reload) return;
    try {
      this.keyring = this.reload();
      this.nextReload = 0;
    } catch {
      // a key file caught mid-rotation or unreadable: a record under a key we lack still reloads on its own
    }
  }

  /** Drops every opened key: the next request of each instance opens its key again. */
  clear(): void {
    this.generation++;
    this.table.wipeColumn(KEY);
    this.long.clear();
    for (const p of this.patternsByRow.values()) p?.wipe();
    this.patternsByRow.clear();
  }

  /**
   * What this instance's answers are searched for (its user's secret fields, spelled every
   * way src/redaction looks for), for a key get() just returned. Made once per opened key.
   */
  patterns(instance: Pick<Instance, "row">, credential: Service["credential"], secret: Secret | null): Patterns | null {
    if (!secret) return null;
    let p = this.patternsByRow.get(instance.row);
    if (p === undefined) this.patternsByRow.set(instance.row, (p = Patterns.of(secretValuesOf(credential, secret))));
    return p;
  }

  private dropPatterns(row: number): void {
    this.patternsByRow.get(row)?.wipe();
    this.patternsByRow.delete(row);
  }

  /** The key of the instance's user for its service, or null when none is stored. */
  get(instance: Pick<Instance, "userId" | "service" | "row">): CredentialResult {
    const now = this.now();
    if (now >= this.nextSweep) this.sweep(now);
    const { userId, service, row } = instance;
    const t = this.table;
    if (t.num(row, KEY_OPENED) === this.generation && t.num(row, KEY_UNTIL) > now) {
      if (t.num(row, HAS_KEY) === 0) return { ok: true, secret: null };
      return { ok: true, secret: this.long.get(row) ?? new Secret(t.text(row, KEY)) };
    }
    const sealed = this.store.credentials.get(userId, service);
    let secret: Secret | null = null;
    if (sealed) {
      try {
        secret = this.open(sealed, associatedData(userId, service), now);
      } catch (e) {
        // SealError messages name the key id or the tampering, never the plaintext.
        return { ok: false, code: "credential-unreadable", message: `the stored key of user ${userId} for ${service} cannot be opened: ${(e as Error).message}` };
      }
    }
    this.dropPatterns(row);
    t.setNum(row, KEY_OPENED, this.generation);
    t.setNum(row, KEY_UNTIL, now + CREDENTIAL_TTL_MS);
    t.setNum(row, HAS_KEY, secret ? 1 : 0);
    this.long.delete(row);
    if (!secret) t.setText(row, KEY, "");
    else if (!t.setText(row, KEY, secret.reveal())) this.long.set(row, secret);
    return { ok: true, secret };
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
    const t = this.table;
    t.forEach((_key, row) => {
      if (t.num(row, HAS_KEY) === 0 || t.num(row, KEY_UNTIL) > now) return;
      t.setNum(row, HAS_KEY, 0);
      t.setNum(row, KEY_UNTIL, 0);
      t.setText(row, KEY, "");
      this.long.delete(row);
      this.dropPatterns(row);
    });
  }
}
