// From a Claude Desktop config to multi-user URLs, with servers people really run: the
// published server-everything (per user: a key in its env) and server-memory (shared),
// installed from npm into a temp dir, and a remote HTTPS server (a fake on loopback with a
// throwaway CA, which the daemon trusts through NODE_EXTRA_CA_CERTS as a private CA would
// be). Two users onboarded with the CLI reach all three through their own instance URLs.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectClient, resultText } from "../helpers/mcpClient.ts";
import { waitFor } from "../helpers/net.ts";
import { startPortsDaemon, type PortsDaemon } from "../helpers/portsDaemon.ts";
import { tempDir } from "../helpers/tmp.ts";
import { startRemoteMcp, type RemoteMcp } from "../fixtures/upstreams/remoteMcp.ts";

const EVERYTHING = "@modelcontextprotocol/server-everything@2026.8.31";
const MEMORY = "@modelcontextprotocol/server-memory@2026.8.31";

let tmp: ReturnType<typeof tempDir>;
let remote: RemoteMcp;
let d: PortsDaemon;
let proxyPort: number;
let file: string;
const mcpd = (args: string[], stdin?: string) => d.mcpd(args, { stdin });
const connect = (url: string) => connectClient(url, "import-real");
const text = resultText;

beforeAll(async () => {
  tmp = tempDir("mcpd-e2e-import-real");
  const pkgs = join(tmp.dir, "pkgs");
  mkdirSync(pkgs);
  const npm = Bun.spawn(["npm", "install", "--prefix", pkgs, "--no-audit", "--no-fund", "--omit=dev", EVERYTHING, MEMORY], { stdout: "ignore", stderr: "pipe" });
  if ((await npm.exited) !== 0) throw new Error(`npm install: ${await new Response(npm.stderr).text()}`);
  mkdirSync(join(tmp.dir, "certs"));
  remote = startRemoteMcp(join(tmp.dir, "certs"));
  const mod = (p: string) => join(pkgs, "node_modules", p, "dist/index.js");
  file = join(tmp.dir, "claude_desktop_config.json");
  writeFileSync(
    file,
    JSON.stringify({
      mcpServers: {
        everything: { command: "node", args: [mod("@modelcontextprotocol/server-everything"), "stdio"], env: { EVERYTHING_API_KEY: "<your key>" } },
        memory: { command: "node", args: [mod("@modelcontextprotocol/server-memory")], env: { MEMORY_FILE_PATH: join(tmp.dir, "memory.jsonl") } },
        hosted: { type: "http", url: remote.url, headers: { Authorization: "Bearer ${HOSTED_TOKEN}" } },
      },
    }),
  );
  const portsDir = join(tmp.dir, "ports");
  mkdirSync(portsDir);
  // A non-default port, given to start only: the printed URLs must still point at it.
  d = await startPortsDaemon(tmp.dir, portsDir, { env: { NODE_EXTRA_CA_CERTS: remote.caFile }, portFlagOnly: true });
  proxyPort = d.proxyPort;
}, 180_000);

afterAll(async () => {
  await d?.stop();
  remote?.stop();
  tmp?.cleanup();
}, 20_000);

test("import, two users, and each reaches all three servers with only their own values", async () => {
  const imported = await mcpd(["import", file, "--json"]);
  expect(imported.code).toBe(0);
  const plan = JSON.parse(imported.stdout);
  expect(plan.services.map((s: { name: string; mode: string }) => [s.name, s.mode])).toEqual([["everything", "per-user"], ["memory", "shared"], ["hosted", "remote"]]);
  expect(plan.reload.added.sort()).toEqual(["everything", "hosted", "memory"]);
  const again = JSON.parse((await mcpd(["import", file, "--json"])).stdout);
  expect(again.services.map((s: { action: string }) => s.action)).toEqual(["unchanged", "unchanged", "unchanged"]);
  await waitFor(async () => JSON.parse((await mcpd(["status", "--json"])).stdout).services.find((s: { name: string }) => s.name === "hosted")?.state === "healthy", {
    timeoutMs: 20_000,
    what: "the remote service to be healthy",
  });

  const urls: Record<string, Record<string, string>> = {};
  for (const user of ["alice", "bob"]) {
    urls[user] = {};
    for (const [service, key] of [["everything", `everything-key-of-${user}`], ["memory", null], ["hosted", `hosted-token-of-${user}`]] as const) {
      const r = await mcpd(["user", "add", "--service", service, "--user", user, "--json", ...(key ? ["--key-stdin"] : [])], key ?? undefined);
      expect(r.code).toBe(0);
      const url = JSON.parse(r.stdout).url as string;
      expect(url.startsWith(`http://127.0.0.1:${proxyPort}/`)).toBe(true);
      urls[user]![service] = url;
    }
  }

  for (const [user, other] of [["alice", "bob"], ["bob", "alice"]] as const) {
    const every = await connect(urls[user]!.everything!);
    const tools = (await every.listTools()).tools.map((t) => t.name);
    const envTool = tools.find((n) => /env/i.test(n))!;
    expect(envTool).toBeTruthy();
    const printed = text(await every.callTool({ name: envTool, arguments: {} }));
    // The child's environment holds this user's key (shown [redacted]: it is theirs) and never the other's.
    expect(printed).toContain("EVERYTHING_API_KEY");
    expect(printed).not.toContain(`everything-key-of-${other}`);
    expect(printed).not.toContain(`everything-key-of-${user}`);
    await every.close();

    const memory = await connect(urls[user]!.memory!);
    await memory.callTool({ name: "create_entities", arguments: { entities: [{ name: `note-${user}`, entityType: "note", observations: [`written by ${user}`] }] } });
    await memory.close();

    const hosted = await connect(urls[user]!.hosted!);
    expect(text(await hosted.callTool({ name: "whoami", arguments: {} }))).toContain("Bearer [redacted]");
    await hosted.close();
  }
  // The remote server itself saw each user's own token; the shared memory holds both notes.
  const auths = new Set(remote.seen.map((h) => h.authorization).filter(Boolean));
  expect(auths).toEqual(new Set(["Bearer hosted-token-of-alice", "Bearer hosted-token-of-bob"]));
  const graph = await connect(urls.alice!.memory!);
  const all = text(await graph.callTool({ name: "read_graph", arguments: {} }));
  expect(all).toContain("written by alice");
  expect(all).toContain("written by bob");
  await graph.close();
}, 180_000);

test("a malformed file gets one line naming the file and the entry", async () => {
  const bad = join(tmp.dir, "broken.json");
  writeFileSync(bad, JSON.stringify({ mcpServers: { oops: { args: ["x"] } } }));
  const r = await mcpd(["import", bad]);
  expect(r.code).not.toBe(0);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toContain("broken.json");
  expect(r.stderr).toContain("mcpServers.oops");
});
