import type { Command } from "commander";
import { connectControl } from "../control/client.ts";
import { existsSync } from "node:fs";
import type { ReloadResult } from "../control/server.ts";
import { pathsOf, printJson } from "./output.ts";

/** Asks a daemon running on this data dir to serve new folders; null when none runs. */
export async function reloadIfRunning(controlSocket: string): Promise<ReloadResult | { error: string } | null> {
  if (!existsSync(controlSocket)) return null;
  try {
    return await connectControl(controlSocket).reload();
  } catch (e) {
    return { error: (e as Error).message };
  }
}

export function registerReload(program: Command): void {
  program
    .command("reload")
    .description("make the running mcpd serve new folders under mcp-ports (changed configs apply at the next start)")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const r = await connectControl(pathsOf(cmd).controlSocket).reload();
      if (opts.json) return printJson(r);
      let text = r.added.length ? `now serving ${r.added.join(", ")}\n` : "no new services\n";
      if (r.changed.length) text += `changed, applied at the next start (mcpd stop; mcpd start): ${r.changed.join(", ")}\n`;
      if (r.removed.length) text += `folders gone, still served until the next start: ${r.removed.join(", ")}\n`;
      process.stdout.write(text);
    });
}
