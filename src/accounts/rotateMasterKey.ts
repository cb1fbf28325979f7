import { existsSync } from "node:fs";
import { keyFiles, keyIdOfFile, loadKeyring, newKey, promoteNextKey, writeKeyFile } from "../crypto/masterKey.ts";
import { associatedData, open, seal, type Keyring } from "../crypto/seal.ts";
import { ready } from "../crypto/sodium.ts";
import type { CredentialRow, Store } from "../store/index.ts";
import type { Secret } from "../crypto/secret.ts";
import { McpdError } from "../util/errors.ts";

export interface RotateMasterKeyOptions {
  store: Store;
  keyFile: string;
  env?: NodeJS.ProcessEnv;
  /** Called inside the transaction after each re-sealed record (progress; tests cut it short here). */
  onResealed?: (done: number, total: number) => void;
  /** Called after the commit, before the key files are swapped (tests cut it short here too). */
  beforePromote?: () => void;
}

export interface RotateMasterKeyResult {
  resealed: number;
  oldKeyId: string;
  newKeyId: string;
  /** true when a `master.key.new` left by a rotation cut short was reused. */
  resumed: boolean;
}

/**
 * Re-seals every credential under a new master key. Order makes it crash-safe at every
 * step: the new key is on disk (0600, fsynced) before any record uses it; all records
 * change in one transaction; the old key file goes only after that commit. Whatever is
 * killed where, every record opens with a key on disk, and running it again finishes.
 */
export async function rotateMasterKey(o: RotateMasterKeyOptions): Promise<RotateMasterKeyResult> {
  await ready();
  const env = o.env ?? process.env;
  if (env.MCPD_MASTER_KEY) {
    throw new McpdError(
      "key-from-env",
      "the master key comes from MCPD_MASTER_KEY, so there is no key file to rotate; mcpd key rotate works only with a key file (unset MCPD_MASTER_KEY to use one)",
    );
  }
  const files = keyFiles(o.keyFile);
  if (!existsSync(files.current)) throw new McpdError("no-key", `${files.current}: no master key yet, so nothing to rotate`);

  const before = await loadKeyring(o.keyFile, { create: false, env });
  // Checked before the new key is written, so a bad record fails the command and leaves nothing behind.
  o.store.credentials.list().forEach((row) => openOrExplain(before, row));
  const resumed = existsSync(files.next);
  if (!resumed) writeKeyFile(files.next, newKey());
  const newKeyId = keyIdOfFile(files.next);
  // Every key on disk opens; the new one seals.
  const keyring: Keyring = { ...(await loadKeyring(o.keyFile, { create: false, env })), current: newKeyId };

  const resealed = o.store.tx(() => {
    const rows = o.store.credentials.list();
    rows.forEach((row, i) => {
      const ad = associatedData(row.userId, row.service);
      const plaintext = openOrExplain(keyring, row).reveal();
      o.store.credentials.replaceSealed(row.userId, row.service, seal(keyring, plaintext, ad));
      o.onResealed?.(i + 1, rows.length);
    });
    return rows.length;
  });

  o.beforePromote?.();
  promoteNextKey(o.keyFile);
  return { resealed, oldKeyId: before.current, newKeyId, resumed };
}

function openOrExplain(keyring: Keyring, row: CredentialRow): Secret {
  try {
    return open(keyring, row, associatedData(row.userId, row.service));
  } catch (e) {
    throw new McpdError(
      "key-rotate-unreadable",
      `the key of user ${row.userId} for ${row.service} does not open (${(e as Error).message}); nothing was changed. Remove it (mcpd user remove ${row.userId} --service ${row.service}) and rotate again`,
    );
  }
}
