import type { Command } from "commander";
import { resolvePaths, type Paths } from "../config/paths.ts";

/** One clear line on stderr and a non-zero exit; the stack only with --debug. */
export function reportAndExit(e: unknown, debug: boolean): never {
  const err = e as Error;
  if (debug && err?.stack) process.stderr.write(err.stack + "\n");
  const message = (err?.message ?? String(e)).trim();
  process.stderr.write(`mcpd: ${message.includes("\n") ? "\n" + message : message}\n`);
  process.exit(typeof (e as { exitCode?: number })?.exitCode === "number" ? (e as { exitCode: number }).exitCode : 1);
}

/** Global --data/--ports, as every command resolves them. */
export function pathsOf(cmd: Command): Paths {
  const o = cmd.optsWithGlobals() as { data?: string; ports?: string };
  return resolvePaths({ data: o.data, ports: o.ports });
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

/** A plain aligned table; columns sized to the widest cell. */
export function formatTable(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")).join("\n") + "\n";
}
