// A real daemon (the compiled executable, as install.sh builds it) serving stdio services
// made from test/fixtures/stdio-fingerprint.mjs: the whole path a client takes, proxy and
// bridge together. Users are onboarded with the CLI, as a self-hoster would.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { connectControl } from "../../src/control/client.ts";
import { runCli } from "./cli.ts";
import { compiledMcpd } from "./compiled.ts";
import { freePort, waitFor } from "./net.ts";
import { tempDir } from "./tmp.ts";

export const FIXTURES = join(import.meta.dir, "../fixtures");

export interface StdioDaemon {
  url: string;
  env: Record<string, string>;
  dataDir: string;
  portsDir: string;
  proc: Subprocess;
  control: ReturnType<typeof connectControl>;
  /** `mcpd user add` with the key on stdin; the instance's MCP URL and ref */
  add(service: string, user: string, key?: string): Promise<{ url: string; ref: string }>;
  stop(): Promise<void>;
}

/** Each config is merged over a stdio fixture service; names, prefixes and ports must differ. */
export async function startStdioDaemon(services: Array<Record<string, unknown>>): Promise<StdioDaemon> {
  const bin = await compiledMcpd();
  const tmp = tempDir("mcpd-stdio-daemon");
  const dataDir = join(tmp.dir, "data");
  const portsDir = join(tmp.dir, "ports");
  for (const [i, over] of services.entries()) {
    const config: Record<string, unknown> = {
      prefix: `fx${String.fromCharCode(97 + i)}`,
      port: 49500 + i,
      transport: "stdio",
      mode: "per-user",
      start: "on-demand",
      run: { command: ["node", "stdio-fingerprint.mjs"], cwd: FIXTURES },
      credential: { env: { ENVKEY_TOKEN: "{secret}" }, validate: { local: "non-empty" } },
      ...over,
    };
    mkdirSync(join(portsDir, String(config.name)), { recursive: true });
    writeFileSync(join(portsDir, String(config.name), "config.json"), JSON.stringify(config));
  }
  const port = await freePort();
  const env = { MCPD_DATA: dataDir, MCPD_PORTS: portsDir, MCPD_PORT: String(port) };
  const proc = Bun.spawn([bin, "start", "--port", String(port)], {
    env: { ...process.env, ...env } as Record<string, string>,
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  const control = connectControl(join(dataDir, "mcpd.sock"));
  const d: StdioDaemon = {
    url: `http://127.0.0.1:${port}`,
    env,
    dataDir,
    portsDir,
    proc,
    control,
    async add(service, user, key = `key-of-${user}`) {
      const args = ["user", "add", "--service", service, "--user", user, "--json", "--key-stdin"];
      const r = await runCli(args, { env, stdin: key });
      if (r.code !== 0) throw new Error(`user add failed: ${r.stderr}`);
      return JSON.parse(r.stdout) as { url: string; ref: string };
    },
    async stop() {
      proc.kill("SIGTERM");
      await Promise.race([proc.exited, Bun.sleep(8_000)]);
      proc.kill("SIGKILL");
      tmp.cleanup();
    },
  };
  try {
    await waitFor(async () => (await control.status()).services.length === services.length, { timeoutMs: 20_000, what: "the daemon to answer" });
  } catch (e) {
    await d.stop();
    throw e;
  }
  return d;
}
