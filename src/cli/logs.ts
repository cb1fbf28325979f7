import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import type { Command } from "commander";
import { loadRegistry } from "../registry/load.ts";
import { logFileOf, tailLog } from "../supervisor/logs.ts";
import { McpdError } from "../util/errors.ts";
import { pathsOf } from "./output.ts";

/** How often `logs -f` looks for new output. */
const FOLLOW_POLL_MS = 200;

export function registerLogs(program: Command): void {
  program
    .command("logs <service>")
    .description("show a service's output (data/logs/<service>.log)")
    .option("-f, --follow", "keep printing new output")
    .option("-n, --lines <n>", "lines to show first", "50")
    .action(async (service: string, opts: { follow?: boolean; lines: string }, cmd: Command) => {
      const paths = pathsOf(cmd);
      // The log is a file on this machine: reading it needs no daemon, so it works after a crash too.
      if (!loadRegistry(paths.portsDir).get(service)) throw new McpdError("unknown-service", `no service named "${service}" in ${paths.portsDir}`);
      const file = logFileOf(paths.logsDir, service);
      const n = Number(opts.lines);
      if (!Number.isInteger(n) || n < 0) throw new McpdError("usage", `--lines: ${opts.lines} is not a number of lines`);
      if (!existsSync(file) && !opts.follow) throw new McpdError("no-log", `${file}: no log yet (has ${service} run?)`);
      for (const line of tailLog(file, n)) process.stdout.write(`${line}\n`);
      if (opts.follow) await follow(file);
    });
}

/** Prints what is appended to `file`, starting over when rotation replaces it. */
async function follow(file: string): Promise<never> {
  let offset = existsSync(file) ? statSync(file).size : 0;
  const buf = Buffer.alloc(64 * 1024);
  for (;;) {
    await Bun.sleep(FOLLOW_POLL_MS);
    if (!existsSync(file)) continue;
    const size = statSync(file).size;
    if (size < offset) offset = 0; // rotated
    if (size === offset) continue;
    const fd = openSync(file, "r");
    try {
      let n: number;
      while ((n = readSync(fd, buf, 0, buf.length, offset)) > 0) {
        process.stdout.write(buf.subarray(0, n));
        offset += n;
      }
    } finally {
      closeSync(fd);
    }
  }
}
