// The compiled daemon on a ports dir a test wrote itself, on a free proxy port, with the
// CLI run against the same data dir: for e2e tests of services of their own making.
import { join } from "node:path";
import type { Subprocess } from "bun";
import { compiledMcpd } from "./compiled.ts";
import { freePort, waitFor } from "./net.ts";

export interface PortsDaemon {
  proc: Subprocess;
  proxyPort: number;
  /** the environment the daemon and the CLI run with (MCPD_DATA, MCPD_PORTS, MCPD_PORT, and the test's own) */
  env: Record<string, string>;
  /** `mcpd ARGS` on the daemon's data dir; `env` adds to (or overrides) the daemon's */
  mcpd(args: string[], opts?: { stdin?: string; env?: Record<string, string> }): Promise<{ stdout: string; stderr: string; code: number }>;
  stop(): Promise<void>;
}

/** Starts `mcpd start` on `<dir>/data` and `portsDir`; resolves once its control socket answers (`ready` narrows that). */
export async function startPortsDaemon(
  dir: string,
  portsDir: string,
  opts: {
    env?: Record<string, string>;
    /** the proxy port goes to `mcpd start --port` only, not MCPD_PORT: the CLI must learn it from the daemon */
    portFlagOnly?: boolean;
    ready?: (d: PortsDaemon) => Promise<boolean>;
  } = {},
): Promise<PortsDaemon> {
  const bin = await compiledMcpd();
  const proxyPort = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MCPD_"))) as Record<string, string>;
  Object.assign(env, { MCPD_DATA: join(dir, "data"), MCPD_PORTS: portsDir }, opts.portFlagOnly ? {} : { MCPD_PORT: String(proxyPort) }, opts.env);
  const mcpd: PortsDaemon["mcpd"] = async (args, o = {}) => {
    const p = Bun.spawn([bin, ...args], { env: { ...env, ...o.env }, stdin: o.stdin === undefined ? "ignore" : new TextEncoder().encode(o.stdin), stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { stdout, stderr, code };
  };
  const proc = Bun.spawn([bin, "start", ...(opts.portFlagOnly ? ["--port", String(proxyPort)] : [])], { env, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  const d: PortsDaemon = {
    proc,
    proxyPort,
    env,
    mcpd,
    async stop() {
      proc.kill("SIGTERM");
      await Promise.race([proc.exited, Bun.sleep(8_000)]);
      proc.kill("SIGKILL");
    },
  };
  const ready = opts.ready ?? (async () => (await mcpd(["status", "--json"])).code === 0);
  try {
    await waitFor(() => ready(d), { timeoutMs: 30_000, what: "the daemon to be ready" });
  } catch (e) {
    await d.stop();
    throw e;
  }
  return d;
}
