// The starter catalog as a self-hoster uses it: `mcpd install NAME` beside a running
// daemon writes the config, installs the real npm package (from the registry) into the
// service's folder and has the daemon serve it; users then reach it through their URLs.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Subprocess } from "bun";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { compiledMcpd } from "../helpers/compiled.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { tempDir } from "../helpers/tmp.ts";

let tmp: ReturnType<typeof tempDir>;
let daemon: Subprocess;
let bin: string;
let env: Record<string, string>;
let portsDir: string;

const mcpd = async (args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) => {
  const p = Bun.spawn([bin, ...args], { env: { ...env, ...opts.env }, stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { stdout, stderr, code };
};

const connect = async (url: string) => {
  const c = new Client({ name: "catalog-test", version: "1" });
  await c.connect(new StreamableHTTPClientTransport(new URL(url)));
  return c;
};
const text = (r: unknown) => ((r as { content: Array<{ text: string }> }).content ?? [])[0]?.text ?? "";

beforeAll(async () => {
  tmp = tempDir("mcpd-e2e-catalog");
  bin = await compiledMcpd();
  portsDir = join(tmp.dir, "ports");
  mkdirSync(portsDir);
  env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MCPD_"))) as Record<string, string>;
  Object.assign(env, { MCPD_DATA: join(tmp.dir, "data"), MCPD_PORTS: portsDir, MCPD_PORT: String(await freePort()) });
  daemon = Bun.spawn([bin, "start"], { env, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  await waitFor(async () => (await mcpd(["status", "--json"])).code === 0, { timeoutMs: 30_000, what: "the daemon to answer" });
}, 60_000);

afterAll(async () => {
  daemon?.kill("SIGTERM");
  await Promise.race([daemon?.exited, Bun.sleep(8_000)]);
  daemon?.kill("SIGKILL");
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
