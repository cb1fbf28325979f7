// The starter catalog as a self-hoster uses it: `mcpd install NAME` beside a running
// daemon writes the config, installs the real npm package (from the registry) into the
// service's folder and has the daemon serve it; users then reach it through their URLs.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { connectClient, resultText } from "../helpers/mcpClient.ts";
import { startPortsDaemon, type PortsDaemon } from "../helpers/portsDaemon.ts";
import { tempDir } from "../helpers/tmp.ts";

let tmp: ReturnType<typeof tempDir>;
let d: PortsDaemon;
const mcpd = (args: string[], opts?: { stdin?: string; env?: Record<string, string> }) => d.mcpd(args, opts);

const connect = (url: string) => connectClient(url, "catalog-test");
const text = resultText;

beforeAll(async () => {
  tmp = tempDir("mcpd-e2e-catalog");
  mkdirSync(join(tmp.dir, "ports"));
  d = await startPortsDaemon(tmp.dir, join(tmp.dir, "ports"));
}, 60_000);

afterAll(async () => {
  await d?.stop();
  tmp?.cleanup();
}, 20_000);

test("without npm, install says so in one line and leaves the config, which services marks as needing the install", async () => {
  const r = await mcpd(["install", "memory"], { env: { PATH: dirname(process.execPath) + ":/nonexistent" } });
  expect(r.code).toBe(1);
  expect(r.stderr).toBe("mcpd: npm is not on PATH: install Node.js and npm, then run mcpd install memory again (config.json is written)\n");
  const listed = await mcpd(["services"]);
  expect(listed.stdout).toMatch(/^memory .*\(needs: mcpd install memory\)$/m);
  expect(listed.stdout).toContain("in the starter catalog, not added yet (mcpd install NAME): everything, filesystem, server-github, server-slack");
});

test("mcpd install memory beside the running daemon: the real package, served at once, shared by two users", async () => {
  const r = await mcpd(["install", "memory", "--json"]);
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out).toMatchObject({ name: "memory", package: "@modelcontextprotocol/server-memory@2026.8.31", config: "unchanged" });
  expect((await mcpd(["services"])).stdout).not.toContain("needs: mcpd install memory");
  const urls: string[] = [];
  for (const user of ["alice", "bob"]) {
    const added = await mcpd(["user", "add", "--service", "memory", "--user", user, "--json"]);
    expect(added.code).toBe(0);
    urls.push(JSON.parse(added.stdout).url);
  }
  const a = await connect(urls[0]!);
  expect((await a.listTools()).tools.map((t) => t.name)).toContain("create_entities");
  await a.callTool({ name: "create_entities", arguments: { entities: [{ name: "mcpd", entityType: "project", observations: ["serves many users"] }] } });
  await a.close();
  // One knowledge graph for everyone: bob reads what alice wrote.
  const b = await connect(urls[1]!);
  expect(text(await b.callTool({ name: "read_graph", arguments: {} }))).toContain("serves many users");
  await b.close();
}, 180_000);

test("mcpd install filesystem: each user's server gets their own directory (a non-secret field, on its command line)", async () => {
  const r = await mcpd(["install", "filesystem"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("the running mcpd now serves filesystem");
  const seen: Record<string, string> = {};
  for (const user of ["carol", "dave"]) {
    const dir = join(tmp.dir, `home-${user}`);
    mkdirSync(dir);
    const added = await mcpd(["user", "add", "--service", "filesystem", "--user", user, "--field", `directory=${dir}`, "--json"]);
    expect(added.code).toBe(0);
    const c = await connect(JSON.parse(added.stdout).url);
    seen[user] = text(await c.callTool({ name: "list_allowed_directories", arguments: {} }));
    await c.close();
  }
  expect(seen.carol).toContain(join(tmp.dir, "home-carol"));
  expect(seen.carol).not.toContain("home-dave");
  expect(seen.dave).toContain(join(tmp.dir, "home-dave"));
  // A relative directory is refused by the field's own check, before anything is stored.
  const bad = await mcpd(["user", "add", "--service", "filesystem", "--user", "erin", "--field", "directory=relative/path"]);
  expect(bad.code).not.toBe(0);
}, 180_000);
