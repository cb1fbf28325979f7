import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { connectControl } from "../../src/control/client.ts";
import { MCPD_FROM_SOURCE } from "../helpers/cli.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { TEST_MASTER_KEY, tempDir } from "../helpers/tmp.ts";

const DEMO_CONFIG = join(import.meta.dir, "../../mcp-ports/demo/config.json");

export interface TestDaemon {
  dataDir: string;
  portsDir: string;
  proxyPort: number;
  servicePort: number;
  socket: string;
  env: Record<string, string>;
  /** starts (again) on the same dirs and ports; resolves once the control socket answers */
  start(): Promise<void>;
  /** SIGTERM and wait for the exit */
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

/** A real `mcpd start` running the demo service on free ports in a temp dir. */
export async function demoDaemon(): Promise<TestDaemon> {
  const tmp = tempDir("mcpd-tui");
  const dataDir = join(tmp.dir, "data");
  const portsDir = join(tmp.dir, "mcp-ports");
  const [proxyPort, servicePort] = [await freePort(), await freePort()];
  mkdirSync(join(portsDir, "demo"), { recursive: true });
  const config = JSON.parse(readFileSync(DEMO_CONFIG, "utf8"));
  writeFileSync(join(portsDir, "demo", "config.json"), JSON.stringify({ ...config, port: servicePort }, null, 2));
  const socket = join(dataDir, "mcpd.sock");
  const env = { ...(process.env as Record<string, string>), MCPD_MASTER_KEY: TEST_MASTER_KEY, MCPD_DATA: dataDir, MCPD_PORTS: portsDir };
  let proc: Subprocess | null = null;

  const d: TestDaemon = {
    dataDir,
    portsDir,
    proxyPort,
    servicePort,
    socket,
    env,
    async start() {
      proc = Bun.spawn([...MCPD_FROM_SOURCE, "start", "--data", dataDir, "--ports", portsDir, "--port", String(proxyPort)], {
        env,
        stdin: "ignore",
        stdout: "ignore",
        stderr: "pipe",
      });
      const client = connectControl(socket);
      await waitFor(
        async () => {
          if (proc?.exitCode != null) throw new Error(`mcpd start exited ${proc.exitCode}: ${await new Response(proc.stderr as ReadableStream).text()}`);
          const s = await client.status();
          // Any state: the demo service itself is another issue; the view must show whatever the daemon reports.
          return s.services.some((x: { name: string }) => x.name === "demo");
        },
        { timeoutMs: 20_000, what: "the daemon to report the demo service" },
      );
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
