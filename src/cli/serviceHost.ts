import type { Command } from "commander";
import { runServiceHost } from "../services/run.ts";

/** Hidden: how the supervisor runs a builtin service (`run: { "builtin": id }`) as its own process. */
export function registerServiceHost(program: Command): void {
  program
    .command("__service <id>", { hidden: true })
    .description("internal: serve builtin service <id> on $PORT for the mcpd proxy")
    .action(async (id: string) => {
      process.exit(await runServiceHost(id));
    });
}
