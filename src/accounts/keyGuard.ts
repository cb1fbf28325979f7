import { existsSync } from "node:fs";
import { keyFiles, keyIdOfFile } from "../crypto/masterKey.ts";
import type { Keyring } from "../crypto/seal.ts";
import { McpdError } from "../util/errors.ts";

/**
 * Call inside the write transaction that seals a new record. `mcpd key rotate` re-seals
 * the rows it sees and then deletes the old key, so a record sealed with a keyring loaded
 * before the rotation began would be stranded. The transaction lock orders the two: if no
 * rotation is pending and the file still holds our key, no rotation can drop it under us.
 */
export function assertSealingKeyCurrent(keyring: Keyring, keyFile: string | undefined, env: NodeJS.ProcessEnv = process.env): void {
  if (!keyFile || env.MCPD_MASTER_KEY) return;
  const files = keyFiles(keyFile);
  if (existsSync(files.next)) {
    throw new McpdError(
      "key-rotation-pending",
      `${files.next} exists: a master key rotation is running or was cut short; nothing was stored: run "mcpd key rotate" to finish it, then try again`,
    );
  }
  if (keyIdOfFile(files.current) !== keyring.current) {
    throw new McpdError("key-changed", "the master key was rotated while this command ran; nothing was stored, run it again");
  }
}
