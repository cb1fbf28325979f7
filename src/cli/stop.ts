import type { Command } from "commander";
import { connectControl } from "../control/client.ts";
import { isAlive, readPid } from "../daemon/pidfile.ts";
import { McpdError } from "../util/errors.ts";
import { pathsOf } from "./output.ts";

/** `mcpd stop` waits this long for the daemon to finish draining and stopping children. */
const STOP_WAIT_MS = 30_000;

export function registerStop(program: Command): void {
  program
    .command("stop")
    .description("stop the running daemon: drain requests, stop every service")
    .option("--strict", "fail (exit 1) when no daemon is running, instead of saying so and exiting 0")
    .action(async (opts: { strict?: boolean }, cmd: Command) => {
      const paths = pathsOf(cmd);
      const pid = readPid(paths.pidFile);
      try {
        await connectControl(paths.controlSocket).stop();
      } catch (e) {
        // Nothing to stop is the state asked for, as `systemctl stop` has it; --strict for scripts that must know.
        if (opts.strict || (e as McpdError).code !== "not-running") throw e;
        return void process.stdout.write(`${(e as Error).message}; nothing to stop\n`);
      }
      const deadline = Date.now() + STOP_WAIT_MS;
      while (pid !== null && isAlive(pid)) {
        if (Date.now() > deadline) throw new McpdError("stop-timeout", `mcpd (pid ${pid}) is still stopping after ${STOP_WAIT_MS / 1000} s`);
        await Bun.sleep(50);
      }
      process.stdout.write(`mcpd stopped${pid ? ` (pid ${pid})` : ""}\n`);
    });
}
