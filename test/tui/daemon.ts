import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { connectControl } from "../../src/control/client.ts";
import type { DaemonStatus, ServiceStatus } from "../../src/control/types.ts";
import { MCPD_FROM_SOURCE, runCli } from "../helpers/cli.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { TEST_MASTER_KEY, tempDir } from "../helpers/tmp.ts";

const DEMO_CONFIG = join(import.meta.dir, "../../mcp-ports/demo/config.json");

/** The second service: the demo again, on demand, so it sits `idle` with no process until called. */
export const IDLE_SERVICE = "lazy";

/** A busy 2-core box can take a while to boot the daemon and the demo child. */
const BOOT_TIMEOUT_MS = 45_000;

export interface TestDaemon {
  dataDir: string;
  portsDir: string;
  proxyPort: number;
  servicePort: number;
  /** the on-demand service's port (when asked for) */
  idlePort: number;
  socket: string;
  env: Record<string, string>;
  /**
   * Starts (again) on the same dirs and ports; resolves once the daemon reports the demo
   * service `healthy` with a pid (bounded poll), with that status.
   */
  start(): Promise<DaemonStatus>;
  /** The daemon's own answer, straight from the control plane. */
  status(): Promise<DaemonStatus>;
  /** The demo service's row of the daemon's own answer. */
  demo(): Promise<ServiceStatus>;
  /** Waits (bounded) until the daemon's demo row satisfies `check`; returns it. */
  demoWhere(check: (s: ServiceStatus) => boolean, what: string): Promise<ServiceStatus>;
  /** `mcpd user add --service demo --user <user> --key-stdin`, as a self-hoster onboards someone. */
  addUser(user: string): Promise<void>;
  /** SIGTERM and wait for the exit */
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * A real `mcpd start` on free ports in a temp dir, running the builtin demo service
 * (hosted by mcpd itself) and, with `idle`, a second, on-demand copy of it that stays idle.
 */
export async function demoDaemon(opts: { idle?: boolean } = {}): Promise<TestDaemon> {
  const tmp = tempDir("mcpd-tui");
  const dataDir = join(tmp.dir, "data");
  const portsDir = join(tmp.dir, "mcp-ports");
  const [proxyPort, servicePort, idlePort] = [await freePort(), await freePort(), await freePort()];
  const config = JSON.parse(readFileSync(DEMO_CONFIG, "utf8"));
  const write = (name: string, c: object) => {
    mkdirSync(join(portsDir, name), { recursive: true });
    writeFileSync(join(portsDir, name, "config.json"), JSON.stringify(c, null, 2));
  };
  write("demo", { ...config, port: servicePort });
  if (opts.idle) write(IDLE_SERVICE, { ...config, name: IDLE_SERVICE, title: "Lazy demo", prefix: "lazy", port: idlePort, start: "on-demand" });
  const socket = join(dataDir, "mcpd.sock");
  const env = { ...(process.env as Record<string, string>), MCPD_MASTER_KEY: TEST_MASTER_KEY, MCPD_DATA: dataDir, MCPD_PORTS: portsDir };
  const client = connectControl(socket);
  let proc: Subprocess | null = null;
  let stderr: Promise<string> = Promise.resolve("");

  const demoOf = (s: DaemonStatus) => {
    const row = s.services.find((x) => x.name === "demo");
    if (!row) throw new Error(`the daemon reports no demo service (it reports: ${s.services.map((x) => x.name).join(", ") || "none"})`);
    return row;
  };

  const d: TestDaemon = {
    dataDir,
    portsDir,
    proxyPort,
    servicePort,
    idlePort,
    socket,
    env,
    async start() {
      const p = Bun.spawn([...MCPD_FROM_SOURCE, "start", "--data", dataDir, "--ports", portsDir, "--port", String(proxyPort)], {
        env,
        stdin: "ignore",
        stdout: "ignore",
        stderr: "pipe",
      });
      proc = p;
      stderr = new Response(p.stderr as ReadableStream).text();
      return waitFor(
        async () => {
          if (p.exitCode != null) throw new Error(`mcpd start exited ${p.exitCode}: ${await stderr}`);
          const s = await client.status();
          const demo = demoOf(s);
          return demo.state === "healthy" && demo.pid != null ? s : null;
        },
        { timeoutMs: BOOT_TIMEOUT_MS, intervalMs: 100, what: "the daemon to report the demo service healthy" },
      );
    },
    status: () => client.status(),
    demo: async () => demoOf(await client.status()),
    demoWhere: (check, what) =>
      waitFor(
        async () => {
          const demo = demoOf(await client.status());
          return check(demo) ? demo : null;
        },
        { timeoutMs: BOOT_TIMEOUT_MS, intervalMs: 100, what },
      ),
    async addUser(user) {
      const r = await runCli(["user", "add", "--service", "demo", "--user", user, "--key-stdin", "--data", dataDir, "--ports", portsDir], {
        env,
        stdin: `demo-key-of-${user}`,
      });
      if (r.code !== 0) throw new Error(`mcpd user add ${user} failed (${r.code}): ${r.stderr}`);
    },
    async stop() {
      const p = proc;
      proc = null;
      if (!p || p.exitCode != null) return;
      p.kill("SIGTERM");
      const timer = setTimeout(() => p.kill("SIGKILL"), 10_000);
      await p.exited;
      clearTimeout(timer);
    },
    async cleanup() {
      await d.stop();
      tmp.cleanup();
    },
  };
  return d;
}
