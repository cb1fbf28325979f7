import type { Command } from "commander";
import { rotateMasterKey } from "../accounts/rotateMasterKey.ts";
import { pathsOf, printJson } from "./output.ts";
import { tellDaemon, withStore } from "./withStore.ts";

export function registerKey(program: Command): void {
  const key = program.command("key").description("manage the master key that seals stored credentials");
  key
    .command("rotate")
    .description("re-seal every stored key under a new master key, in one transaction")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const paths = pathsOf(cmd);
      // A running daemon reads the new key when told of the change (as changeStore tells it): no restart.
      let daemonRunning = false;
      const r = await withStore(paths.dbFile, (store) => rotateMasterKey({ store, keyFile: paths.keyFile })).finally(
        async () => void (daemonRunning = await tellDaemon(paths.controlSocket)),
      );
      if (opts.json) return printJson({ ...r, daemonRunning });
      process.stdout.write(
        `Re-sealed ${r.resealed} credential${r.resealed === 1 ? "" : "s"} under master key ${r.newKeyId} (was ${r.oldKeyId})${r.resumed ? ", finishing a rotation that was cut short" : ""}; the old key is deleted.\n`,
      );
    });
}
