import type { Db } from "./db.ts";
import type { Sealed } from "../crypto/seal.ts";

export interface CredentialRow extends Sealed {
  userId: string;
  service: string;
  /** A short hash of the plaintext, for telling keys apart without showing them. */
  fingerprint: string;
  updatedAt: number;
}

interface RawRow {
  userId: string;
  service: string;
  keyId: string;
  nonce: Buffer;
  ciphertext: Buffer;
  fingerprint: string;
  updatedAt: number;
}

const COLUMNS = "user_id AS userId, service, key_id AS keyId, nonce, ciphertext, fingerprint, updated_at AS updatedAt";

const toRow = (r: RawRow): CredentialRow => ({ ...r, nonce: new Uint8Array(r.nonce), ciphertext: new Uint8Array(r.ciphertext) });

export class CredentialsRepo {
  private readonly upsert;
  private readonly one;
  private readonly all;
  private readonly ofUser;
  private readonly del;
  private readonly delUser;
  private readonly reseal;

  constructor(db: Db) {
    this.upsert = db.prepare(
      `INSERT INTO credentials (user_id, service, key_id, nonce, ciphertext, fingerprint, updated_at)
       VALUES (@userId, @service, @keyId, @nonce, @ciphertext, @fingerprint, @updatedAt)
       ON CONFLICT(user_id, service) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce,
         ciphertext = excluded.ciphertext, fingerprint = excluded.fingerprint, updated_at = excluded.updated_at`,
    );
    this.one = db.prepare(`SELECT ${COLUMNS} FROM credentials WHERE user_id = ? AND service = ?`);
    this.all = db.prepare(`SELECT ${COLUMNS} FROM credentials ORDER BY user_id, service`);
    this.ofUser = db.prepare(`SELECT ${COLUMNS} FROM credentials WHERE user_id = ? ORDER BY service`);
    this.del = db.prepare("DELETE FROM credentials WHERE user_id = ? AND service = ?");
    this.delUser = db.prepare("DELETE FROM credentials WHERE user_id = ?");
    this.reseal = db.prepare("UPDATE credentials SET key_id = ?, nonce = ?, ciphertext = ? WHERE user_id = ? AND service = ?");
  }

  put(row: CredentialRow): void {
    this.upsert.run({ ...row, nonce: Buffer.from(row.nonce), ciphertext: Buffer.from(row.ciphertext) });
  }
  get(userId: string, service: string): CredentialRow | undefined {
    const r = this.one.get(userId, service) as RawRow | undefined;
    return r && toRow(r);
  }
  list(): CredentialRow[] {
    return (this.all.all() as RawRow[]).map(toRow);
  }
  listOfUser(userId: string): CredentialRow[] {
    return (this.ofUser.all(userId) as RawRow[]).map(toRow);
  }
  remove(userId: string, service?: string): number {
    return service === undefined ? this.delUser.run(userId).changes : this.del.run(userId, service).changes;
  }
  /** Replaces the sealed bytes only; used by key rotation inside its transaction. */
  replaceSealed(userId: string, service: string, sealed: Sealed): void {
    this.reseal.run(sealed.keyId, Buffer.from(sealed.nonce), Buffer.from(sealed.ciphertext), userId, service);
  }
}
