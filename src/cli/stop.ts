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
    .action(async (_opts: unknown, cmd: Command) => {
      const paths = pathsOf(cmd);
      const pid = readPid(paths.pidFile);
      await connectControl(paths.controlSocket).stop();
      const deadline = Date.now() + STOP_WAIT_MS;
      while (pid !== null && isAlive(pid)) {
        if (Date.now() > deadline) throw new McpdError("stop-timeout", `mcpd (pid ${pid}) is still stopping after ${STOP_WAIT_MS / 1000} s`);
        await Bun.sleep(50);
      }
      process.stdout.write(`mcpd stopped${pid ? ` (pid ${pid})` : ""}\n`);
    });
}
