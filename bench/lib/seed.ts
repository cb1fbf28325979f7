// Users made straight in the store, the way `mcpd user add` leaves them (user row, sealed
// credential, live instance), but thousands a second: the users bench needs 10,000.
import { join } from "node:path";
import { openStore } from "../../src/store/index.ts";
import { loadKeyring } from "../../src/crypto/masterKey.ts";
import { associatedData, seal } from "../../src/crypto/seal.ts";
import { hashInstanceId, newInstanceId, refOf } from "../../src/accounts/instanceId.ts";
import { fingerprintOf } from "../../src/accounts/fingerprint.ts";
import { Secret } from "../../src/crypto/secret.ts";

export const demoKeyOf = (userId: string) => `demo-key-of-${userId}`;

/**
 * Adds `count` users (u00001, …) of `service`, each with its own sealed key and instance;
 * returns the instance ids in user order. One transaction: 10,000 users in about a second.
 */
export async function seedUsers(dataDir: string, service: { name: string; prefix: string }, count: number, firstUser = 1): Promise<string[]> {
  const keyring = await loadKeyring(join(dataDir, "master.key"), { create: true, env: {} });
  const store = openStore(join(dataDir, "mcpd.db"));
  const ids: string[] = [];
  try {
    const now = Date.now();
    store.tx(() => {
      for (let i = firstUser; i < firstUser + count; i++) {
        const userId = `u${String(i).padStart(5, "0")}`;
        const key = demoKeyOf(userId);
        store.users.ensure(userId, now);
        const sealed = seal(keyring, key, associatedData(userId, service.name));
        // The same fingerprint `mcpd user add` stores, so `user list` shows seeded users alike.
        const fingerprint = fingerprintOf(new Secret(key));
        store.credentials.put({ userId, service: service.name, ...sealed, fingerprint, updatedAt: now });
        const id = newInstanceId(service.prefix, userId);
        const idHash = hashInstanceId(id);
        store.instances.add({ idHash, ref: refOf(service.prefix, userId, idHash), userId, service: service.name, createdAt: now });
        ids.push(id);
      }
    });
  } finally {
    store.close();
  }
  return ids;
}

export const instanceUrl = (proxyUrl: string, instanceId: string, service: string) => `${proxyUrl}/${instanceId}/${service}/mcp`;

/** `BIN user add` for one user, as a self-hoster would run it; the new instance id. */
export async function addUserWith(bin: string, dataDir: string, portsDir: string, service: string, userId: string): Promise<string> {
  const proc = Bun.spawn([bin, "user", "add", "--service", service, "--user", userId, "--no-validate", "--key-stdin", "--json"], {
    env: { ...process.env, MCPD_DATA: dataDir, MCPD_PORTS: portsDir },
    stdin: new TextEncoder().encode(demoKeyOf(userId)),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${bin} user add: ${err.trim()}`);
  return (JSON.parse(out) as { instanceId: string }).instanceId;
}
