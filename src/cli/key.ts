import type { Command } from "commander";
import { rotateMasterKey } from "../accounts/rotateMasterKey.ts";
import { isAlive, readPid } from "../daemon/pidfile.ts";
import { pathsOf, printJson } from "./output.ts";
import { withStore } from "./withStore.ts";

export function registerKey(program: Command): void {
  const key = program.command("key").description("manage the master key that seals stored credentials");
  key
    .command("rotate")
    .description("re-seal every stored key under a new master key, in one transaction")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const paths = pathsOf(cmd);
      const r = await withStore(paths.dbFile, (store) => rotateMasterKey({ store, keyFile: paths.keyFile }));
      const pid = readPid(paths.pidFile);
      // A running daemon loaded the keys at boot; it needs the new one to open the re-sealed records.
      const daemonRunning = pid !== null && isAlive(pid);
      if (opts.json) return printJson({ ...r, daemonRunning });
      process.stdout.write(
        `Re-sealed ${r.resealed} credential${r.resealed === 1 ? "" : "s"} under master key ${r.newKeyId} (was ${r.oldKeyId})${r.resumed ? ", finishing a rotation that was cut short" : ""}; the old key is deleted.\n` +
          (daemonRunning ? `mcpd is running (pid ${pid}): restart it (mcpd stop, then mcpd start) so it loads the new key.\n` : ""),
      );
    });
}
