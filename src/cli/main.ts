#!/usr/bin/env bun
import { Command } from "commander";
import { VERSION } from "../version.ts";
import { reportAndExit } from "./output.ts";
import { registerServices } from "./services.ts";

const program = new Command()
  .name("mcpd")
  .description("Run many MCP services for many users on one machine, behind per-user instance URLs.")
  .version(VERSION, "-v, --version")
  .option("--data <dir>", "data dir: database, master key, logs (env MCPD_DATA; default ./data)")
  .option("--ports <dir>", "service configs (env MCPD_PORTS; default ./mcp-ports)")
  .option("--debug", "show stack traces on errors")
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(str) });

// One line per command file; each registers its own subcommands.
registerServices(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  reportAndExit(e, program.opts().debug === true);
}
