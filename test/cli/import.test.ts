// `mcpd import` through the real CLI: the plan, writing, a second import that changes
// nothing, conflicts, malformed files, and a running daemon that serves the imported
// folder without a restart (import asks it to reload over the control socket).
import { afterEach, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { connectControl } from "../../src/control/client.ts";
import { MCPD_FROM_SOURCE, runCli } from "../helpers/cli.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { tempDir } from "../helpers/tmp.ts";

const FIXTURE = join(import.meta.dir, "../fixtures/stdio-fingerprint.mjs");
const fp = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 16);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function setup(servers: Record<string, unknown>) {
  const tmp = tempDir("mcpd-import");
  cleanups.push(() => tmp.cleanup());
  const portsDir = join(tmp.dir, "ports");
  const dataDir = join(tmp.dir, "data");
  mkdirSync(portsDir, { recursive: true });
  const file = join(tmp.dir, "claude_desktop_config.json");
  writeFileSync(file, JSON.stringify({ mcpServers: servers }));
  const env = { MCPD_DATA: dataDir, MCPD_PORTS: portsDir };
  const mcpd = (args: string[], stdin?: string) => runCli(args, { env, stdin });
  return { tmp, portsDir, dataDir, file, env, mcpd };
}

const fingerprinter = { command: "node", args: [FIXTURE], env: { ENVKEY_TOKEN: "<your token>", FIXTURE_MODE: "import" } };

test("dry run writes nothing; a real run writes configs that load; the same file again changes nothing", async () => {
  const { portsDir, file, mcpd } = setup({ fingerprint: fingerprinter, plain: { command: "node", args: [FIXTURE] } });
  const dry = await mcpd(["import", file, "--dry-run"]);
  expect(dry.code).toBe(0);
  expect(dry.stdout).toContain("would create");
  expect(existsSync(join(portsDir, "fingerprint"))).toBe(false);

  const first = await mcpd(["import", file, "--json"]);
  expect(first.stderr).toBe("");
  const out = JSON.parse(first.stdout);
  expect(out.written).toEqual(["fingerprint", "plain"]);
  expect(out.services.map((s: any) => [s.name, s.action, s.mode])).toEqual([["fingerprint", "create", "per-user"], ["plain", "create", "shared"]]);
  for (const s of out.services) expect(s.port).toBeGreaterThanOrEqual(49160);
  expect(out.reload).toBeNull();
  const check = await mcpd(["services", "--json"]);
  expect(check.stderr).toBe("");
  expect(JSON.parse(check.stdout).map((s: { name: string }) => s.name)).toEqual(["fingerprint", "plain"]);

  const cfg = join(portsDir, "fingerprint", "config.json");
  const before = { text: readFileSync(cfg, "utf8"), mtime: statSync(cfg).mtimeMs };
  const again = await mcpd(["import", file, "--json"]);
  expect(JSON.parse(again.stdout)).toMatchObject({ written: [], services: [{ action: "unchanged" }, { action: "unchanged" }] });
  expect({ text: readFileSync(cfg, "utf8"), mtime: statSync(cfg).mtimeMs }).toEqual(before);
});

test("a service that was edited by hand is not overwritten without --force", async () => {
  const { portsDir, file, mcpd } = setup({ plain: { command: "node", args: [FIXTURE] } });
  await mcpd(["import", file]);
  const cfg = join(portsDir, "plain", "config.json");
  const edited = readFileSync(cfg, "utf8").replace('"title": "plain"', '"title": "Plain, edited"');
  writeFileSync(cfg, edited);
  const refused = await mcpd(["import", file]);
  expect(refused.code).toBe(1);
  expect(refused.stdout).toContain("plain: mcp-ports/plain exists and differs; --force overwrites it");
  expect(readFileSync(cfg, "utf8")).toBe(edited);
  const forced = await mcpd(["import", file, "--force"]);
  expect(forced.code).toBe(0);
  expect(readFileSync(cfg, "utf8")).not.toContain("edited");
});

test("a malformed file: one line naming the file and the entry, exit 1, nothing written", async () => {
  const { portsDir, file, mcpd } = setup({ good: { command: "node" }, broken: { args: ["x"] } });
  const r = await mcpd(["import", file]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe('mcpd: claude_desktop_config.json: mcpServers.broken.command: is missing: a server needs "command" (or "url")\n');
  expect(existsSync(join(portsDir, "good"))).toBe(false);
});

test("a running daemon serves an imported folder without a restart, with each user's own value in their child's env", async () => {
  const { file, env, dataDir, mcpd } = setup({});
  const proxyPort = await freePort();
  const proc = Bun.spawn([...MCPD_FROM_SOURCE, "start", "--port", String(proxyPort)], {
    env: { ...process.env, ...env } as Record<string, string>,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  cleanups.push(async () => {
    proc.kill("SIGTERM");
    await Promise.race([proc.exited, Bun.sleep(8_000)]);
    proc.kill("SIGKILL");
  });
  const control = connectControl(join(dataDir, "mcpd.sock"));
  await waitFor(async () => (await control.status()).services.length === 0, { timeoutMs: 20_000, what: "the daemon to answer" });

  writeFileSync(file, JSON.stringify({ mcpServers: { fingerprint: fingerprinter } }));
  const imported = await mcpd(["import", file, "--json"]);
  expect(JSON.parse(imported.stdout).reload).toEqual({ added: ["fingerprint"], changed: [], removed: [], invalid: [] });
  expect((await control.status()).services.map((s) => s.name)).toEqual(["fingerprint"]);

  const urls: string[] = [];
  for (const [user, key] of [["alice", "alice-token-1"], ["bob", "bob-token-2"]] as const) {
    const added = await runCli(["user", "add", "--service", "fingerprint", "--user", user, "--key-stdin", "--port", String(proxyPort), "--json"], { env, stdin: key });
    expect(added.stderr).toBe("");
    urls.push(JSON.parse(added.stdout).url);
  }
  for (const [i, key] of ["alice-token-1", "bob-token-2"].entries()) {
    const client = new Client({ name: "import-test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(urls[i]!)));
    cleanups.push(() => client.close().catch(() => {}));
    const result = (await client.callTool({ name: "whoami", arguments: {} })) as { content: Array<{ text: string }> };
    const who = JSON.parse(result.content[0]!.text) as { fingerprint: string };
    expect(who.fingerprint).toBe(fp(key));
  }

  const reload = await runCli(["reload"], { env });
  expect(reload).toMatchObject({ code: 0, stdout: "no new services\n" });
}, 60_000);
