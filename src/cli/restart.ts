import type { Command } from "commander";
import { connectControl } from "../control/client.ts";
import { McpdError } from "../util/errors.ts";
import { pathsOf } from "./output.ts";

/** How long `restart --wait` waits for healthy unless --timeout says otherwise. */
export const RESTART_WAIT_SEC = 60;
const POLL_MS = 100;

export function registerRestart(program: Command): void {
  program
    .command("restart <service>")
    .description("restart one service's process now (its backoff starts over)")
    .option("--wait", "return once the service is healthy again (or say why not after --timeout), as systemctl restart does")
    .option("--timeout <sec>", `with --wait: how long to wait (default ${RESTART_WAIT_SEC})`)
    .action(async (service: string, opts: { wait?: boolean; timeout?: string }, cmd: Command) => {
      const control = connectControl(pathsOf(cmd).controlSocket);
      const timeoutSec = opts.timeout === undefined ? RESTART_WAIT_SEC : Number(opts.timeout);
      if (!(timeoutSec > 0)) throw new McpdError("usage", `--timeout must be a number of seconds, not "${opts.timeout}" (see: mcpd restart --help)`);
      const t0 = Date.now();
      await control.restart(service);
      if (!opts.wait) return void process.stdout.write(`restarting ${service}\n`);
      for (;;) {
        const s = (await control.status()).services.find((x) => x.name === service);
        // A stdio service's children start on their next request: stopped is as restarted as it gets.
        if (s && (s.state === "healthy" || (s.transport === "stdio" && s.state === "idle"))) {
          return void process.stdout.write(`${service} is healthy again (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
        }
        if (Date.now() - t0 >= timeoutSec * 1000) {
          const why = s ? `${s.state}${s.lastError ? `: ${s.lastError}` : s.lastExit ? ` (last exit: ${s.lastExit})` : ""}` : "not in the daemon's status";
          throw new McpdError("restart-timeout", `${service} is not healthy ${timeoutSec} s after the restart: ${why}; see: mcpd logs ${service}`);
        }
        await Bun.sleep(POLL_MS);
      }
    });
}
