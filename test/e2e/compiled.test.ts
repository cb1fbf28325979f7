// The single executable, as install.sh builds it, run from directories that have nothing
// to do with the source tree: every path must come from --data/--ports, the environment,
// or the working directory, never from where the binary was built.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/tmp.ts";

const ROOT = join(import.meta.dir, "../..");
let tmp: ReturnType<typeof tempDir>;
let bin: string;

beforeAll(async () => {
  tmp = tempDir("mcpd-compiled");
  bin = join(tmp.dir, "bin", "mcpd");
  const build = Bun.spawn([process.execPath, "build", "--compile", "--minify-syntax", "--bytecode", "--format=esm", join(ROOT, "src/cli/main.ts"), "--outfile", bin], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  if ((await build.exited) !== 0) throw new Error(`bun build --compile failed: ${await new Response(build.stderr).text()}`);
}, 60_000);

afterAll(() => tmp?.cleanup());

/** Runs the compiled mcpd with no MCPD_* variables, so only flags and the cwd decide paths. */
async function run(cwd: string, args: string[], stdin?: string) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MCPD_"))) as Record<string, string>;
  const proc = Bun.spawn([bin, ...args], { cwd, env, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

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
  expect(added.stderr).toBe("");
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
