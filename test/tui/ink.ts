import chalk from "chalk";
import { afterAll, beforeAll } from "bun:test";
import { waitFor } from "../helpers/net.ts";

/** Ink draws with chalk, which turns colour off when stdout is not a terminal; colour tests need it on. */
export function withColour(): void {
  let saved = chalk.level;
  beforeAll(() => {
    saved = chalk.level;
    chalk.level = 1;
  });
  afterAll(() => {
    chalk.level = saved;
  });
}

const ANSI = /\x1b\[[0-9;]*m/g;
export const plain = (s: string | undefined) => (s ?? "").replace(ANSI, "");

/** Keys as a terminal sends them. */
export const KEY = { up: "\x1b[A", down: "\x1b[B", enter: "\r", escape: "\x1b", backspace: "\x7f", pageDown: "\x1b[6~" } as const;

/** Waits (bounded) until the last frame (without colour codes) satisfies `check`; returns it. */
export async function frameWhere(r: { lastFrame(): string | undefined }, check: (frame: string) => boolean, what = "frame", timeoutMs = 5_000): Promise<string> {
  return waitFor(() => {
    const f = plain(r.lastFrame());
    return check(f) ? f : null;
  }, { timeoutMs, what });
}

/** The service names in the table's rows, top to bottom. */
export function tableNames(frame: string): string[] {
  const rows = frame.split("\n");
  const head = rows.findIndex((l) => /^\s+SERVICE\s+STATE/.test(l));
  if (head < 0) return [];
  const names: string[] = [];
  for (const l of rows.slice(head + 1)) {
    const m = /^(?:> | {2})(\S+)\s+\S/.exec(l);
    if (!m) break;
    names.push(m[1]!);
  }
  return names;
}

/**
 * One table row as { SERVICE: "demo", STATE: "healthy", PORT: "49170", PID: "123", … },
 * keyed by the column titles on screen (columns a narrow terminal dropped are absent).
 * Null when the row is not on screen. Works on an ink-testing-library frame and on a
 * tmux capture alike.
 */
export function tableRow(frame: string, name: string): Record<string, string> | null {
  const rows = frame.split("\n");
  const head = rows.findIndex((l) => /^\s+SERVICE\s+STATE/.test(l));
  if (head < 0) return null;
  const titles = rows[head]!.trim().replace("LAST ERROR", "LAST_ERROR").split(/\s+/);
  for (const l of rows.slice(head + 1)) {
    const m = /^(> | {2})(\S+)\s/.exec(l);
    if (!m) break;
    if (m[2] !== name) continue;
    const cells = l.slice(2).trim().split(/\s+/);
    const row: Record<string, string> = {};
    titles.forEach((t, i) => {
      // The last error is free text: everything after the numbers.
      const v = t === "LAST_ERROR" ? cells.slice(i).join(" ") : cells[i];
      if (v !== undefined) row[t === "LAST_ERROR" ? "LAST ERROR" : t] = v;
    });
    return row;
  }
  return null;
}

/** The name on the row with the "> " selection marker, if any. */
export function selectedRow(frame: string): string | null {
  return /^> (\S+)\s/m.exec(frame)?.[1] ?? null;
}
