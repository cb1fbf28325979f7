#!/usr/bin/env bun
import { Command } from "commander";
import { VERSION } from "../version.ts";
import { reportAndExit } from "./output.ts";
import { oneLineUsageErrors } from "./usage.ts";

const program = new Command()
  .name("mcpd")
  .description("Run many MCP services for many users on one machine, behind per-user instance URLs.")
  .version(VERSION, "-v, --version")
  .option("--data <dir>", "data dir: database, master key, logs (env MCPD_DATA; default ./data)")
  .option("--ports <dir>", "service configs (env MCPD_PORTS; default ./mcp-ports)")
  .option("--debug", "show stack traces on errors");

/** Global options that take a value: their value is never the command's name. */
const VALUED_GLOBALS = new Set(["--data", "--ports"]);

/** The subcommand argv names (the first word that is neither a global option nor its value). */
function commandNameOf(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (VALUED_GLOBALS.has(a)) i++;
    else if (!a.startsWith("-")) return a;
  }
  return undefined;
}

// The daemon runs one `__service` host per service and one `__reaper`: hundreds of
// processes at boot. They load only what they run — not the TUI (Ink, React), the store
// or the crypto — which halves each child's start-up CPU and saves ~20 MB of its RSS.
switch (commandNameOf(process.argv.slice(2))) {
  case "__service":
    (await import("./serviceHost.ts")).registerServiceHost(program);
    break;
  case "__reaper":
    (await import("./reaper.ts")).registerReaper(program);
    break;
  default: {
    // One line per command file; each registers its own subcommands.
    const commands = await Promise.all([
      import("./services.ts").then((m) => m.registerServices),
      import("./user.ts").then((m) => m.registerUser),
      import("./instance.ts").then((m) => m.registerInstance),
      import("./key.ts").then((m) => m.registerKey),
      import("./start.ts").then((m) => m.registerStart),
      import("./stop.ts").then((m) => m.registerStop),
      import("./status.ts").then((m) => m.registerStatus),
      import("./restart.ts").then((m) => m.registerRestart),
      import("./logs.ts").then((m) => m.registerLogs),
      import("./reaper.ts").then((m) => m.registerReaper),
      import("./audit.ts").then((m) => m.registerAudit),
      import("./tui.ts").then((m) => m.registerTui),
      import("./lb.ts").then((m) => m.registerLb),
      import("./import.ts").then((m) => m.registerImport),
      import("./install.ts").then((m) => m.registerInstall),
      import("./reload.ts").then((m) => m.registerReload),
      import("./serviceHost.ts").then((m) => m.registerServiceHost),
    ]);
    for (const register of commands) register(program);
  }
}
oneLineUsageErrors(program);

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
