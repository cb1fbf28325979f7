import { existsSync, readFileSync, statSync, openSync, closeSync, fsyncSync, writeSync, renameSync, unlinkSync, linkSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { ready, sodium } from "./sodium.ts";
import { KEY_BYTES, keyIdOf, type Keyring } from "./seal.ts";

export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MasterKeyError";
  }
}

/** Files that may hold a key: the current one and the two a rotation keeps until it is done. */
export const keyFiles = (keyFile: string) => ({ current: keyFile, next: `${keyFile}.new`, previous: `${keyFile}.old` });

function parseKey(text: string, where: string): Uint8Array {
  const t = text.trim();
  let bytes: Uint8Array | undefined;
  try {
    bytes = /^[0-9a-fA-F]{64}$/.test(t) ? sodium.from_hex(t) : sodium.from_base64(t, sodium.base64_variants.ORIGINAL);
  } catch {
    bytes = undefined;
  }
  if (!bytes || bytes.length !== KEY_BYTES) {
    throw new MasterKeyError(`${where}: not a master key (expected ${KEY_BYTES} bytes as base64 or 64 hex digits)`);
  }
  return bytes;
}

function readKeyFile(file: string): Uint8Array {
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) {
    throw new MasterKeyError(`${file}: mode ${mode.toString(8).padStart(4, "0")} lets other users read the master key; run: chmod 600 ${file}`);
  }
  return parseKey(readFileSync(file, "utf8"), file);
}

/**
 * The id of the key a file holds, read now (after `ready()`); lets a writer check, inside
 * its transaction, that a rotation has not replaced the key it is sealing with.
 */
export function keyIdOfFile(file: string): string {
  return keyIdOf(readKeyFile(file));
}

/**
 * Writes a key file 0600, flushed to disk, never over an existing file. It appears whole
 * or not at all: written under a name of its own first and then linked into place (link
 * refuses an existing name as "wx" does), so a command reading the keys while a rotation
 * or a first `user add` writes one never finds it empty.
 */
export function writeKeyFile(file: string, key: Uint8Array): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, sodium.to_base64(key, sodium.base64_variants.ORIGINAL) + "\n");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } finally {
    unlinkSync(tmp);
  }
}

export function newKey(): Uint8Array {
  return sodium.randombytes_buf(KEY_BYTES);
}

/**
 * The keys that open this data dir's credentials. `MCPD_MASTER_KEY` wins over the file;
 * otherwise `master.key` is read (created 0600 on first use when `create` is set), along
 * with any key a rotation left behind, so a rotation cut short never strands a record.
 */
export async function loadKeyring(keyFile: string, opts: { create: boolean; env?: NodeJS.ProcessEnv }): Promise<Keyring> {
  await ready();
  return readKeyring(keyFile, opts);
}

/** loadKeyring for callers that have already awaited `ready()`: a running daemon re-reads its keys with it after `mcpd key rotate`. */
export function readKeyring(keyFile: string, opts: { create: boolean; env?: NodeJS.ProcessEnv }): Keyring {
  const env = opts.env ?? process.env;
  const keys = new Map<string, Uint8Array>();
  if (env.MCPD_MASTER_KEY) {
    const key = parseKey(env.MCPD_MASTER_KEY, "MCPD_MASTER_KEY");
    const id = keyIdOf(key);
    keys.set(id, key);
    return { current: id, keys };
  }
  const files = keyFiles(keyFile);
  if (!existsSync(files.current)) {
    if (!opts.create) throw new MasterKeyError(`${keyFile}: no master key yet (it is created when the first user is added)`);
    try {
      writeKeyFile(files.current, newKey());
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  // In the order promoteNextKey moves them (next → current, current → previous): read
  // while a rotation finishes, the new key is caught in one file or the next.
  const readIfThere = (file: string) => {
    let k: Uint8Array;
    try {
      k = readKeyFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return; // not there, or moved on by the rotation
      throw e;
    }
    keys.set(keyIdOf(k), k);
  };
  readIfThere(files.next);
  const current = readKeyFile(files.current);
  readIfThere(files.previous);
  const id = keyIdOf(current);
  keys.set(id, current);
  return { current: id, keys };
}

/**
 * Makes `master.key.new` the current key once the database is re-sealed under it. The old
 * key stays as `master.key.old` until the swap is on disk, then goes.
 */
export function promoteNextKey(keyFile: string): void {
  const files = keyFiles(keyFile);
  if (existsSync(files.previous)) unlinkSync(files.previous);
  linkSync(files.current, files.previous);
  renameSync(files.next, files.current);
  unlinkSync(files.previous);
}

