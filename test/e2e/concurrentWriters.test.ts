// The compiled daemon serving traffic while CLI commands write to its store from other
// processes, back to back, as a self-hoster's scripts would: nothing crashes (an earlier
// build mapped SQLite's -shm file behind its back, lost SQLite's locks on it, and died of
// SIGBUS), every command either prints its URL or says in one line that it stored
// nothing, and every stored instance answers with its own key.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { startDemoDaemon, type DemoDaemon } from "../helpers/demoDaemon.ts";

const WRITE_FOR_MS = 30_000;
const fp = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 16);

let d: DemoDaemon;
/** alice's instance URL, printed once when she was added */
let aliceUrl: string;
const clients: Client[] = [];
const mcpd = (args: string[], stdin?: string) => d.mcpd(args, stdin);

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: "e2e-writers", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  clients.push(client);
  return client;
}

const whoami = async (c: Client) => JSON.parse(((await c.callTool({ name: "whoami", arguments: {} })) as { content: Array<{ text: string }> }).content[0]!.text);

beforeAll(async () => {
  d = await startDemoDaemon("mcpd-e2e-writers", async (cli) => void (aliceUrl = (await cli.addUser("alice", "key-of-alice")).url));
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  await d?.stop();
});

test("two user-add loops and a key-rotate loop beside a daemon under traffic: no crash, no lost URL, every instance its own key", async () => {
  const alice = await connect(aliceUrl);
  const deadline = Date.now() + WRITE_FOR_MS;
  const traffic = { calls: 0, wrong: 0, errors: [] as string[] };
  const drive = async () => {
    while (Date.now() < deadline) {
      try {
        const a = await whoami(alice);
        traffic.calls++;
        if (a.keyFingerprint !== fp("key-of-alice")) traffic.wrong++;
      } catch (e) {
        traffic.errors.push((e as Error).message);
      }
    }
  };
  const stored: Array<{ user: string; key: string; url: string; ref: string }> = [];
  const refused: string[] = [];
  const crashed: string[] = [];
  const adder = async (loop: string) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const user = `${loop}${i}`;
      const key = `key-of-${user}`;
      const r = await mcpd(["user", "add", "--service", "demo", "--user", user, "--no-validate", "--key-stdin", "--json"], key);
      if (r.code === 0) {
        const out = JSON.parse(r.stdout) as { url: string; ref: string };
        stored.push({ user, key, url: out.url, ref: out.ref });
      }
      else if (r.signal || r.code > 1) crashed.push(`user add ${user}: exit ${r.code} ${r.signal ?? ""} ${r.stderr}`);
      else refused.push(`${user}\t${r.stderr}`);
    }
  };
  let rotations = 0;
  const rotator = async () => {
    while (Date.now() < deadline) {
      const r = await mcpd(["key", "rotate", "--json"]);
      if (r.code === 0) rotations++;
      else if (r.signal || r.code > 1) crashed.push(`key rotate: exit ${r.code} ${r.signal ?? ""} ${r.stderr}`);
      else refused.push(`(rotate)\t${r.stderr}`);
    }
  };
  await Promise.all([drive(), drive(), adder("a"), adder("b"), rotator()]);

  expect(crashed).toEqual([]);
  expect(d.proc.exitCode).toBeNull();
  // A command that could not write says so in one line, and stored nothing.
  const listed = new Set((JSON.parse((await mcpd(["user", "list", "--json"])).stdout) as Array<{ user: string }>).map((u) => u.user));
  const unclear = refused.filter((line) => {
    const [user, stderr] = line.split("\t");
    return stderr!.trimEnd().split("\n").length !== 1 || !stderr!.includes("nothing was stored") || (user !== "(rotate)" && listed.has(user!));
  });
  expect(unclear).toEqual([]);
  expect(stored.length).toBeGreaterThan(20);
  expect(rotations).toBeGreaterThan(5);
  expect(traffic.errors).toEqual([]);
  expect(traffic.wrong).toBe(0);
  expect(traffic.calls).toBeGreaterThan(100);
  // Every printed URL works, with its own user's key, under whatever master key is current now.
  for (let i = 0; i < stored.length; i += 8) {
    await Promise.all(
      stored.slice(i, i + 8).map(async (s) => {
        expect(listed.has(s.user)).toBe(true);
        const c = await connect(s.url);
        expect(await whoami(c)).toEqual({ user: s.user, instance: s.ref, keyFingerprint: fp(s.key) });
        await c.close();
      }),
    );
  }
  console.error(`concurrent writers: ${stored.length} user adds, ${refused.length} refused as busy, ${rotations} rotations, ${traffic.calls} calls beside them`);
}, 120_000);

test("a call right after each of 30 key rotations never fails", async () => {
  const alice = await connect(aliceUrl);
  const failures: string[] = [];
  for (let i = 0; i < 30; i++) {
    const r = await mcpd(["key", "rotate", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).daemonRunning).toBe(true);
    expect(r.stdout + r.stderr).not.toContain("restart");
    try {
      expect((await whoami(alice)).keyFingerprint).toBe(fp("key-of-alice"));
    } catch (e) {
      failures.push((e as Error).message);
    }
  }
  expect(failures).toEqual([]);
}, 120_000);
