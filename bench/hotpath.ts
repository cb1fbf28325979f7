// What does each step of a proxied request cost on its own? The real store (10,000 users
// on a temp data dir) and the real sealing code, one step at a time, in µs per call — so a
// regression in the request path can be pinned to the step that grew.
//
//   bun run bench:hotpath [--quick]
import { join } from "node:path";
import { QUICK, machineLine } from "./lib/opts.ts";
import { runBench } from "./lib/procs.ts";
import { tempDir } from "./lib/mcpd.ts";
import { seedUsers } from "./lib/seed.ts";
import { fixed, int, table } from "./lib/table.ts";
import { openStore, type AuditEntry } from "../src/store/index.ts";
import { loadKeyring } from "../src/crypto/masterKey.ts";
import { associatedData, open } from "../src/crypto/seal.ts";
import { hashInstanceId } from "../src/accounts/instanceId.ts";

const USERS = QUICK ? 1_000 : 10_000;
const ITERATIONS = QUICK ? 2_000 : 50_000;
const SERVICE = { name: "demo", prefix: "demo" };

/** RFC 9110 §7.6.1 hop-by-hop headers, which a proxy drops (plus those named in Connection). */
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "proxy-authorization", "proxy-authenticate"];

/** µs per call of `fn`, after a warm-up so the JIT has settled. */
function time(fn: (i: number) => unknown, iterations = ITERATIONS): number {
  for (let i = 0; i < Math.min(1000, iterations); i++) fn(i);
  const t0 = Bun.nanoseconds();
  for (let i = 0; i < iterations; i++) fn(i);
  return (Bun.nanoseconds() - t0) / 1000 / iterations;
}

await runBench("bench:hotpath", QUICK ? 60_000 : 180_000, async () => {
  console.log(`# bench:hotpath — ${QUICK ? "quick smoke run" : "full run"}`);
  console.log(`# ${machineLine()}`);
  console.log(`# ${int(USERS)} users in a temp store, ${int(ITERATIONS)} calls per step, in-process (no sockets)`);

  const dataDir = tempDir("hotpath");
  const ids = await seedUsers(dataDir, SERVICE, USERS);
  const store = openStore(join(dataDir, "mcpd.db"));
  const keyring = await loadKeyring(join(dataDir, "master.key"), { create: false, env: {} });
  const hashes = ids.map(hashInstanceId);
  const rows = hashes.map((h) => store.instances.findByHash(h)!);
  const pick = <T>(xs: T[], i: number) => xs[(i * 7919) % xs.length]!;

  const steps: Array<[string, number, string]> = [];
  steps.push(["sha256 of the instance id (hashInstanceId)", time((i) => hashInstanceId(pick(ids, i))), "per request unless cached by id"]);
  steps.push(["instance lookup, SQLite prepared (findByHash)", time((i) => store.instances.findByHash(pick(hashes, i))), `${int(USERS)} rows`]);
  const cache = new Map(ids.map((id, i) => [id, rows[i]]));
  steps.push(["instance lookup, in-memory Map hit", time((i) => cache.get(pick(ids, i))), "what a cache costs instead"]);
  steps.push(["credential row, SQLite prepared (credentials.get)", time((i) => store.credentials.get(pick(rows, i).userId, SERVICE.name)), ""]);
  const sealed = rows.map((r) => store.credentials.get(r.userId, SERVICE.name)!);
  steps.push([
    "open sealed key (XChaCha20-Poly1305, libsodium)",
    time((i) => {
      const r = pick(rows, i);
      return open(keyring, pick(sealed, i), associatedData(r.userId, SERVICE.name));
    }),
    "with its associated data",
  ]);

  const incoming = new Headers({
    host: "127.0.0.1:8080",
    "user-agent": "mcp-client/1.0",
    accept: "application/json, text/event-stream",
    "content-type": "application/json",
    "content-length": "120",
    "mcp-session-id": crypto.randomUUID(),
    "mcp-protocol-version": "2025-06-18",
    connection: "keep-alive, x-custom",
    "x-custom": "1",
    "x-mcpd-user": "forged",
    "x-demo-key": "forged",
  });
  steps.push([
    "header rewrite (copy, drop hop-by-hop/x-mcpd-*/key, inject 4)",
    time(() => {
      const h = new Headers(incoming);
      for (const name of (h.get("connection") ?? "").split(",")) if (name.trim()) h.delete(name.trim());
      for (const name of HOP_BY_HOP) h.delete(name);
      incoming.forEach((_, name) => name.startsWith("x-mcpd-") && h.delete(name));
      h.delete("x-demo-key");
      h.set("x-demo-key", "demo-key-of-u00001");
      h.set("x-mcpd-internal", "token");
      h.set("x-mcpd-user", "u00001");
      h.set("x-mcpd-instance", "demo_u00001_abcdef12");
      return h;
    }),
    "generic Headers code, not src/proxy's",
  ]);
  const body = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "echo", arguments: { text: "hello from the bench" } } });
  steps.push(["JSON-RPC peek (parse body for method/tool)", time(() => JSON.parse(body).params?.name), `${body.length} B body`]);

  const entry = (i: number): AuditEntry => ({ ts: Date.now(), userId: "u00001", service: SERVICE.name, instance: "demo_u00001_abcdef12", method: "tools/call", tool: "echo", status: 200, latencyMs: 1.2, bytesIn: 120, bytesOut: 200, event: i < 0 ? "x" : null });
  const auditIterations = QUICK ? 200 : 2_000;
  steps.push(["audit write, 1 row per transaction", time((i) => store.audit.append([entry(i)]), auditIterations), "per row"]);
  const batch = Array.from({ length: 100 }, (_, i) => entry(i));
  steps.push(["audit write, 100 rows per transaction", time(() => store.audit.append(batch), Math.max(20, auditIterations / 10)) / 100, "per row"]);
  store.close();

  console.log("");
  console.log(table(["step", "µs/call", "calls/s (1 core)", "note"], steps.map(([name, us, note]) => [name, fixed(us, 2), int(1e6 / us), note])));
  console.log("");
  console.log("(each step alone, in this process: the sum is a floor for mcpd's own CPU per request, before HTTP parsing and fetch to the service)");
});
