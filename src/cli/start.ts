import type { Command } from "commander";
import { runDaemon } from "../daemon/index.ts";
import { startDetached } from "../daemon/detach.ts";
import { proxyAddress } from "../accounts/instanceUrl.ts";
import { McpdError } from "../util/errors.ts";
import { pathsOf } from "./output.ts";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
const ORIGIN = /^(https?:\/\/[^/\s]+|\*)$/;

function collect(value: string, previous: string[]): string[] {
  if (!ORIGIN.test(value)) throw new McpdError("usage", `--allow-origin: ${value} is not an origin like https://app.example.com or *`);
  return [...previous, value.toLowerCase()];
}

export function registerStart(program: Command): void {
  program
    .command("start")
    .description("start every service and serve the proxy; runs until SIGINT/SIGTERM or `mcpd stop`")
    .option("--host <host>", "proxy address (env MCPD_HOST; default 127.0.0.1)")
    .option("--port <port>", "proxy port (env MCPD_PORT; default 8080)")
    .option("--detach", "run in the background; print the proxy URL and pid, then exit")
    .option("--tui", "show the health view in this terminal while running")
    .option("--allow-origin <origin>", "a browser origin (scheme://host[:port]) allowed to call instance URLs besides loopback ones; repeatable", collect, [] as string[])
    .action(async (opts: { host?: string; port?: string; detach?: boolean; tui?: boolean; allowOrigin: string[] }, cmd: Command) => {
      const paths = pathsOf(cmd);
      // The same address `mcpd user add` prints URLs for, so both agree without flags.
      const { host, port } = proxyAddress(opts, process.env, { listening: true });
      if (!LOOPBACK.test(host)) {
        process.stderr.write(`mcpd: warning: --host ${host} is not loopback; instance URLs are bearer secrets, so serve them only over TLS\n`);
      }
      if (opts.detach) {
        const origins = opts.allowOrigin.flatMap((o) => ["--allow-origin", o]);
        const { pid, proxyUrl } = await startDetached(paths, ["--host", host, "--port", String(port), ...origins]);
        process.stdout.write(`mcpd running at ${proxyUrl} (pid ${pid}); stop it with: mcpd stop\n`);
        return;
      }
      const daemon = await runDaemon({ paths, host, port, allowedOrigins: opts.allowOrigin, log: opts.tui ? () => {} : undefined });
      if (opts.tui) {
        // Hook for the health view: it gets the in-process control client; leaving it stops
        // the daemon, and a daemon stopped otherwise (SIGHUP from a closed terminal, `mcpd stop`) closes it.
        const { runTui } = await import("../tui/run.tsx");
        await runTui(daemon.client, { until: daemon.done });
        await daemon.stop("the health view was closed");
      }
      await daemon.done;
      process.exit(0);
    });
}
