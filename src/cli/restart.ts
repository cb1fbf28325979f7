import type { Command } from "commander";
import { connectControl } from "../control/client.ts";
import { pathsOf } from "./output.ts";

export function registerRestart(program: Command): void {
  program
    .command("restart <service>")
    .description("restart one service's process now (its backoff starts over)")
    .action(async (service: string, _opts: unknown, cmd: Command) => {
      await connectControl(pathsOf(cmd).controlSocket).restart(service);
      process.stdout.write(`restarting ${service}\n`);
    });
}
