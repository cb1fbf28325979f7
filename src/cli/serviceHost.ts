import type { Command } from "commander";
import { runServiceHost } from "../services/run.ts";

/**
 * Hidden: how the supervisor runs a builtin service (`run: { "builtin": id }`) as its own
 * process; with --stdio, the same service as a one-user stdio server (for the benchmarks'
 * stdio gateways). src/cli/main.ts loads only this command when argv names `__service`:
 * the daemon starts one such process per service.
 */
export function registerServiceHost(program: Command): void {
  program
    .command("__service <id>", { hidden: true })
    .description("internal: serve builtin service <id> on $PORT for the mcpd proxy")
    .option("--stdio", "serve MCP on stdin/stdout for one user, whose key is in the environment")
    .action(async (id: string, opts: { stdio?: boolean }) => {
      // Imported only here: it needs the MCP SDK at once, which the HTTP host loads on first use.
      const run = opts.stdio ? (await import("../services/stdio.ts")).runStdioHost : runServiceHost;
      process.exit(await run(id));
    });
}
