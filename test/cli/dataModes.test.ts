// The data dir is the owner's alone whatever the umask: a CLI command and the daemon run
// under umask 022 (the common default) leave nothing another local user can read.
import { afterEach, expect, test } from "bun:test";
import { chmodSync, cpSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MCPD_FROM_SOURCE } from "../helpers/cli.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { tempDir } from "../helpers/tmp.ts";

const ROOT = join(import.meta.dir, "../..");
let tmp: ReturnType<typeof tempDir>;
afterEach(() => tmp?.cleanup());

/** `mcpd ARGS` under umask 022, as a login shell would run it. */
function underUmask022(args: string[], env: Record<string, string>, stdin?: string) {
  const cmd = `umask 022; exec ${[...MCPD_FROM_SOURCE, ...args].map((a) => `'${a}'`).join(" ")}`;
  return Bun.spawn(["sh", "-c", cmd], { env: { ...process.env, ...env }, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
}

/** Every path under dir with group or other bits set, with its mode. */
function loose(dir: string): string[] {
  const out: string[] = [];
  const mode = statSync(dir).mode & 0o777;
  if (mode & 0o077) out.push(`${dir} ${mode.toString(8)}`);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...loose(p));
    else if ((statSync(p).mode & 0o077) !== 0) out.push(`${p} ${(statSync(p).mode & 0o777).toString(8)}`);
  }
  return out;
}

test("under umask 022 a looser data dir is tightened with one line, and the store, its WAL files, logs and keys are 0600", async () => {
  tmp = tempDir("mcpd-modes");
  const data = join(tmp.dir, "data");
  // As a git checkout leaves it: data/ 0755 with a 0644 file in it.
  mkdirSync(data, { mode: 0o755 });
  chmodSync(data, 0o755);
  writeFileSync(join(data, ".gitkeep"), "", { mode: 0o644 });
  const ports = join(tmp.dir, "ports");
  cpSync(join(ROOT, "mcp-ports/demo"), join(ports, "demo"), { recursive: true });
  cpSync(join(ROOT, "mcp-ports/envkey"), join(ports, "envkey"), { recursive: true });
  const env = { MCPD_DATA: data, MCPD_PORTS: ports, MCPD_PORT: String(await freePort()) };

  const add = underUmask022(["user", "add", "--service", "demo", "--user", "alice", "--key-stdin", "--json"], env, "k");
  const [out, err, code] = [await new Response(add.stdout).text(), await new Response(add.stderr).text(), await add.exited];
  expect(code).toBe(0);
  expect(JSON.parse(out).url).toContain("/demo/mcp");
  const lines = err.trimEnd().split("\n");
  expect(lines[0]).toBe(`mcpd: ${data} was 0755: made it 0700 and made 1 file in it the owner's alone (0600/0700), so other users cannot read its store, keys or logs`);
  expect(loose(data)).toEqual([]);

  // The daemon: its WAL files, logs and pid file, made while it runs.
  const daemon = underUmask022(["start"], env);
  try {
    await waitFor(() => readdirSync(join(data)).includes("mcpd.sock") && readdirSync(data).includes("mcpd.db-shm"), { what: "the daemon to be up", timeoutMs: 20_000 });
    await waitFor(() => readdirSync(join(data, "logs")).length > 0, { what: "a service log", timeoutMs: 20_000 });
    expect(loose(data)).toEqual([]);
    expect(statSync(join(data, "mcpd.db-wal")).mode & 0o777).toBe(0o600);
  } finally {
    daemon.kill("SIGTERM");
    await daemon.exited;
  }
  // Nothing said twice: the second command finds nothing to tighten.
  const list = underUmask022(["user", "list"], env);
  expect(await new Response(list.stderr).text()).toBe("");
  await list.exited;
}, 60_000);
