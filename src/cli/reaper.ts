import type { Command } from "commander";
import { runReaper } from "../supervisor/reaper.ts";

/** Hidden: the orphan reaper the daemon starts (see src/supervisor/reaper.ts). */
export function registerReaper(program: Command): void {
  program
    .command("__reaper", { hidden: true })
    .description("internal: stops the daemon's children if the daemon dies")
    .action(async () => {
      await runReaper();
      process.exit(0);
    });
}
