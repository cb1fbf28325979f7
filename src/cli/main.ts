#!/usr/bin/env bun
import { Command } from "commander";
import { VERSION } from "../version.ts";
import { reportAndExit } from "./output.ts";
import { registerServices } from "./services.ts";
import { registerUser } from "./user.ts";
import { registerInstance } from "./instance.ts";
import { registerKey } from "./key.ts";
import { registerStart } from "./start.ts";
import { registerStop } from "./stop.ts";
import { registerStatus } from "./status.ts";
import { registerRestart } from "./restart.ts";
import { registerLogs } from "./logs.ts";
import { registerReaper } from "./reaper.ts";
import { registerAudit } from "./audit.ts";
import { registerTui } from "./tui.ts";
import { registerServiceHost } from "./serviceHost.ts";

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
registerUser(program);
registerInstance(program);
registerKey(program);
registerStart(program);
registerStop(program);
registerStatus(program);
registerRestart(program);
registerLogs(program);
registerReaper(program);
registerAudit(program);
registerTui(program);
registerServiceHost(program);

// `mcpd user list --json | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});

try {
  await program.parseAsync(process.argv);
} catch (e) {
  reportAndExit(e, program.opts().debug === true);
}
