// The single executable, as install.sh builds it, run from directories that have nothing
// to do with the source tree: every path must come from --data/--ports, the environment,
// or the working directory, never from where the binary was built.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { compiledMcpd, runCompiled } from "../helpers/compiled.ts";
import { tempDir } from "../helpers/tmp.ts";

const ROOT = join(import.meta.dir, "../..");
let tmp: ReturnType<typeof tempDir>;
let bin: string;

beforeAll(async () => {
  tmp = tempDir("mcpd-compiled");
  bin = await compiledMcpd();
}, 60_000);

afterAll(() => tmp?.cleanup());

const run = (cwd: string, args: string[], stdin?: string) => runCompiled(bin, cwd, args, stdin);

test("services --json and user add run from another working directory with --data/--ports", async () => {
  const cwd = join(tmp.dir, "somewhere-else");
  const portsDir = join(tmp.dir, "ports");
  const dataDir = join(tmp.dir, "state");
  mkdirSync(cwd);
  cpSync(join(ROOT, "mcp-ports/demo"), join(portsDir, "demo"), { recursive: true });

  const services = await run(cwd, ["--data", dataDir, "--ports", portsDir, "services", "--json"]);
  expect(services.stderr).toBe("");
  const list = JSON.parse(services.stdout);
  expect(list.map((s: { name: string }) => s.name)).toEqual(["demo"]);
  expect(list[0].config).toBe(join(portsDir, "demo", "config.json"));

  const added = await run(cwd, ["--data", dataDir, "--ports", portsDir, "user", "add", "--service", "demo", "--user", "e2e", "--key-stdin", "--json"], "compiled-key\n");
  // No daemon runs here: the one stderr line says the printed URL has nothing behind it yet.
  expect(added.stderr).toStartWith("mcpd: note: nothing listens on");
  expect(added.code).toBe(0);
  expect(JSON.parse(added.stdout)).toMatchObject({ user: "e2e", service: "demo", instance: "created", validated: "local" });
  expect(existsSync(join(dataDir, "mcpd.db"))).toBe(true);
  expect(existsSync(join(dataDir, "master.key"))).toBe(true);
  expect(existsSync(join(cwd, "data"))).toBe(false);

  const listed = await run(tmp.dir, ["--data", dataDir, "user", "list", "--json"]);
  expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ user: "e2e", service: "demo" })]);
}, 60_000);

test("without flags, ./data and ./mcp-ports are taken from the working directory, not the source tree", async () => {
  const site = join(tmp.dir, "site");
  cpSync(join(ROOT, "mcp-ports/demo"), join(site, "mcp-ports", "demo"), { recursive: true });
  const added = await run(site, ["user", "add", "--service", "demo", "--user", "local", "--key-stdin"], "k");
  expect(added.code).toBe(0);
  expect(existsSync(join(site, "data", "mcpd.db"))).toBe(true);

  const empty = join(tmp.dir, "empty");
  mkdirSync(empty);
  const r = await run(empty, ["services"]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe("mcpd: mcp-ports: no such folder of service configs (set --ports or MCPD_PORTS)\n");
}, 60_000);
