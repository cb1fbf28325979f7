import type { Command } from "commander";
import { CATALOG } from "../catalog/entries.ts";
import { installFromCatalog } from "../catalog/install.ts";
import { pathsOf, printJson } from "./output.ts";
import { reloadIfRunning } from "./reload.ts";

export function registerInstall(program: Command): void {
  program
    .command("install <name>")
    .description(`add a server from the starter catalog to mcp-ports and install its npm package there (${Object.keys(CATALOG).join(", ")})`)
    .option("--force", "replace a config.json of that name that differs from the catalog's")
    .option("--json", "machine-readable output")
    .action(async (name: string, opts: { force?: boolean; json?: boolean }, cmd: Command) => {
      const paths = pathsOf(cmd);
      const r = await installFromCatalog(paths.portsDir, name, { force: opts.force });
      const reload = await reloadIfRunning(paths.controlSocket);
      if (opts.json) return printJson({ ...r, reload });
      const config = { written: "config.json written", unchanged: "config.json already the catalog's", kept: "your config.json kept (--force replaces it)" }[r.config];
      let text = `${r.name}: ${r.package} installed in ${r.dir}; ${config}\n`;
      if (reload === null) text += "no mcpd is running on this data dir: mcpd start serves it\n";
      else if ("error" in reload) text += `the running mcpd did not take it: ${reload.error}\n`;
      else text += reload.added.includes(r.name) ? `the running mcpd now serves ${r.name}\n` : `the running mcpd already serves ${r.name}\n`;
      process.stdout.write(`${text}next: mcpd user add --service ${r.name}\n`);
    });
}
