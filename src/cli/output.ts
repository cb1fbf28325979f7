import type { Command } from "commander";
import { resolvePaths, type Paths } from "../config/paths.ts";

/** One clear line on stderr and a non-zero exit; the stack only with --debug. */
export function reportAndExit(e: unknown, debug: boolean): never {
  const err = e as Error;
  if (debug && err?.stack) process.stderr.write(err.stack + "\n");
  process.stderr.write(errorText(e));
  process.exit(typeof (e as { exitCode?: number })?.exitCode === "number" ? (e as { exitCode: number }).exitCode : 1);
}

/**
 * What a failure prints: one line, or, when the error lists several problems (a config
 * load names every broken file at once), a line that says how many, then one line each.
 */
export function errorText(e: unknown): string {
  const lines = String((e as Error)?.message ?? e)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length <= 1) return `mcpd: ${lines[0] ?? "failed"}\n`;
  const what = (e as { code?: unknown })?.code === "config" ? "in the service configs" : "";
  return `mcpd: ${lines.length} problems${what ? ` ${what}` : ""}:\n${lines.map((l) => `  ${l}\n`).join("")}`;
}

/** Global --data/--ports, as every command resolves them. */
export function pathsOf(cmd: Command): Paths {
  const o = cmd.optsWithGlobals() as { data?: string; ports?: string };
  return resolvePaths({ data: o.data, ports: o.ports });
}

/** A path as one shell word, so a printed command can be pasted as it is. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
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
