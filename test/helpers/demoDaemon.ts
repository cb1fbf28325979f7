// The compiled daemon serving the shipped demo service on free ports, its rate limit
// lifted, with the CLI run against the same data dir: for tests that load it hard.
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { compiledMcpd } from "./compiled.ts";
import { freePort, waitFor } from "./net.ts";
import { tempDir } from "./tmp.ts";

const ROOT = join(import.meta.dir, "../..");

export interface DemoDaemon {
  proc: Subprocess;
  proxyPort: number;
  /** what the daemon wrote to stderr, once it has exited */
  stderr: Promise<string>;
  /** `mcpd ARGS` on the daemon's data dir */
  mcpd(args: string[], stdin?: string): Promise<{ stdout: string; stderr: string; code: number; signal: number | string | null }>;
  /** `mcpd user add --no-validate` for demo; the printed URL and ref */
  addUser(user: string, key: string): Promise<{ url: string; ref: string }>;
  stop(): Promise<void>;
}

/** `before` runs with the CLI ready and the daemon not yet started (to add users first). */
export async function startDemoDaemon(label: string, before?: (d: Pick<DemoDaemon, "mcpd" | "addUser">) => Promise<void>): Promise<DemoDaemon> {
  const tmp = tempDir(label);
  const bin = await compiledMcpd();
  const portsDir = join(tmp.dir, "ports");
  cpSync(join(ROOT, "mcp-ports/demo"), join(portsDir, "demo"), { recursive: true });
  const configFile = join(portsDir, "demo", "config.json");
  // As fast as the machine allows: the rate limit is not what these tests are about.
  writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, "utf8")), port: await freePort(), limits: { requestsPerMinute: 10_000_000, protocolPerMinute: 10_000_000, maxBodyBytes: 1_048_576 } }));
  const proxyPort = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MCPD_"))) as Record<string, string>;
  Object.assign(env, { MCPD_DATA: join(tmp.dir, "data"), MCPD_PORTS: portsDir, MCPD_PORT: String(proxyPort) });
  const mcpd: DemoDaemon["mcpd"] = async (args, stdin) => {
    const proc = Bun.spawn([bin, ...args], { env, stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { stdout, stderr, code, signal: proc.signalCode };
  };
  const addUser: DemoDaemon["addUser"] = async (user, key) => {
    const r = await mcpd(["user", "add", "--service", "demo", "--user", user, "--no-validate", "--key-stdin", "--json"], key);
    if (r.code !== 0) throw new Error(`user add ${user}: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { url: string; ref: string };
    return { url: out.url, ref: out.ref };
  };
  await before?.({ mcpd, addUser });
  const proc = Bun.spawn([bin, "start"], { env, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const stderr = new Response(proc.stderr as ReadableStream).text();
  await waitFor(async () => JSON.parse((await mcpd(["status", "--json"])).stdout).services[0]?.state === "healthy", { timeoutMs: 30_000, what: "demo to be healthy" });
  return {
    proc,
    proxyPort,
    stderr,
    mcpd,
    addUser,
    async stop() {
      proc.kill("SIGTERM");
      await Promise.race([proc.exited, Bun.sleep(8_000)]);
      proc.kill("SIGKILL");
      tmp.cleanup();
    },
  };
}
