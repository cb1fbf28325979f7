import type { Command } from "commander";
import { runDaemon } from "../daemon/index.ts";
import { AUDIT_DAYS_DEFAULT } from "../daemon/auditRetention.ts";
import { daemonLogOf, startDetached } from "../daemon/detach.ts";
import { proxyAddress } from "../accounts/instanceUrl.ts";
import { checkPublicUrl, writePublicUrl } from "../config/publicUrl.ts";
import { McpdError } from "../util/errors.ts";
import { pathsOf, shellWord } from "./output.ts";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
const ORIGIN = /^(https?:\/\/[^/\s]+|\*)$/;

function collect(value: string, previous: string[]): string[] {
  if (!ORIGIN.test(value)) throw new McpdError("usage", `--allow-origin: ${value} is not an origin like https://app.example.com or *`);
  return [...previous, value.toLowerCase()];
}

/** `--audit-days`, else MCPD_AUDIT_DAYS: whole days of audit rows to keep, 0 for all of them. */
function auditDaysOf(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  const [text, from] = flag !== undefined ? [flag, "--audit-days"] : [env.MCPD_AUDIT_DAYS, "MCPD_AUDIT_DAYS"];
  if (text === undefined || text === "") return AUDIT_DAYS_DEFAULT;
  if (!/^\d{1,6}$/.test(text.trim())) throw new McpdError("usage", `${from} ${text}: give a whole number of days to keep audit rows, or 0 to keep them all`);
  return Number(text);
}

/** `--port-offset`, else MCPD_PORT_OFFSET: added to every service's port; 0 when unset. */
export function portOffsetOf(flag: string | undefined, env: NodeJS.ProcessEnv): number {
  const [text, from] = flag !== undefined ? [flag, "--port-offset"] : [env.MCPD_PORT_OFFSET, "MCPD_PORT_OFFSET"];
  if (text === undefined || text === "") return 0;
  if (!/^\d{1,5}$/.test(text.trim()) || Number(text) > 64_511) throw new McpdError("usage", `${from} ${text}: give a whole number (0-64511) to add to every service's port`);
  return Number(text);
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
    .option("--public-url <url>", "what clients reach mcpd at (a balancer, a TLS front): printed instance URLs begin with it; kept in the data dir (\"\" forgets it)")
    .option("--port-offset <n>", "add N to every service's port, for several mcpd nodes on one machine (env MCPD_PORT_OFFSET; default 0)")
    .option("--audit-days <days>", `keep audit rows this many days; 0 keeps them all (env MCPD_AUDIT_DAYS; default ${AUDIT_DAYS_DEFAULT})`)
    .action(async (opts: { host?: string; port?: string; detach?: boolean; tui?: boolean; allowOrigin: string[]; auditDays?: string; portOffset?: string; publicUrl?: string }, cmd: Command) => {
      const paths = pathsOf(cmd);
      const auditDays = auditDaysOf(opts.auditDays, process.env);
      const portOffset = portOffsetOf(opts.portOffset, process.env);
      // Kept before anything starts, so `user add` prints it from now on, daemon or not.
      if (opts.publicUrl !== undefined) writePublicUrl(paths.publicUrlFile, opts.publicUrl === "" ? "" : checkPublicUrl(opts.publicUrl));
      // The same address `mcpd user add` prints URLs for, so both agree without flags.
      const { host, port } = proxyAddress(opts, process.env, { listening: true });
      if (!LOOPBACK.test(host)) {
        process.stderr.write(`mcpd: warning: --host ${host} is not loopback; instance URLs are bearer secrets, so serve them only over TLS\n`);
      }
      if (opts.detach) {
        const origins = opts.allowOrigin.flatMap((o) => ["--allow-origin", o]);
        const { pid, proxyUrl } = await startDetached(paths, ["--host", host, "--port", String(port), "--audit-days", String(auditDays), "--port-offset", String(portOffset), ...origins]);
        process.stdout.write(`mcpd running at ${proxyUrl} (pid ${pid}); its output goes to ${daemonLogOf(paths)}\nstop it with: mcpd --data ${shellWord(paths.dataDir)} stop\n`);
        return;
      }
      const daemon = await runDaemon({ paths, host, port, allowedOrigins: opts.allowOrigin, auditDays, portOffset, log: opts.tui ? () => {} : undefined });
      if (opts.tui) {
        // Hook for the health view: it gets the in-process control client; leaving it stops
        // the daemon, and a daemon stopped otherwise (SIGHUP from a closed terminal, `mcpd stop`) closes it.
        const { runTui } = await import("../tui/run.tsx");
        await runTui(daemon.client, { until: daemon.done, quitStopsDaemon: true });
        await daemon.stop("the health view was closed");
      }
      await daemon.done;
      process.exit(0);
    });
}
