import type { ServiceStatus } from "../control/types.ts";
import { formatCount, formatLatency, formatPercent, formatRate, formatUptime, NONE, shortError } from "./format.ts";
import { stateStyle } from "./theme.ts";

export type ColumnId = "name" | "state" | "port" | "pid" | "uptime" | "restarts" | "users" | "rps" | "errors" | "p50" | "p99" | "lastError";

export interface Column {
  id: ColumnId;
  title: string;
  /** narrowest the column may be */
  min: number;
  /** widest a flexible column grows to (fixed columns: min === max) */
  max: number;
  align: "left" | "right";
  /** lower = kept longer when the terminal is narrow */
  priority: number;
  cell(s: ServiceStatus, now: number, width: number): string;
}

/** Display order, left to right. */
export const COLUMNS: readonly Column[] = [
  { id: "name", title: "SERVICE", min: 14, max: 24, align: "left", priority: 0, cell: (s) => s.name },
  { id: "state", title: "STATE", min: 11, max: 11, align: "left", priority: 0, cell: (s) => stateStyle(s).label },
  { id: "port", title: "PORT", min: 5, max: 5, align: "right", priority: 3, cell: (s) => String(s.port) },
  { id: "pid", title: "PID", min: 7, max: 7, align: "right", priority: 6, cell: (s) => (s.pid == null ? NONE : String(s.pid)) },
  { id: "uptime", title: "UP", min: 6, max: 6, align: "right", priority: 4, cell: (s, now) => formatUptime(s.startedAt, now) },
  { id: "restarts", title: "RST", min: 3, max: 3, align: "right", priority: 5, cell: (s) => formatCount(s.restarts) },
  { id: "users", title: "USERS", min: 5, max: 5, align: "right", priority: 4, cell: (s) => formatCount(s.users) },
  { id: "rps", title: "REQ/S", min: 5, max: 5, align: "right", priority: 1, cell: (s) => formatRate(s.metrics.requestsPerSec) },
  { id: "errors", title: "ERR%", min: 5, max: 5, align: "right", priority: 2, cell: (s) => formatPercent(s.metrics.errorRate) },
  { id: "p50", title: "P50", min: 5, max: 5, align: "right", priority: 5, cell: (s) => formatLatency(s.metrics.p50Ms) },
  { id: "p99", title: "P99", min: 5, max: 5, align: "right", priority: 2, cell: (s) => formatLatency(s.metrics.p99Ms) },
  {
    id: "lastError",
    title: "LAST ERROR",
    min: 10,
    max: 200,
    align: "left",
    priority: 7,
    cell: (s, _now, width) => shortError(s.lastError ?? s.lastExit, width),
  },
];

/** One space between columns. */
export const COLUMN_GAP = 1;

export interface LaidOutColumn extends Column {
  width: number;
}

/**
 * The columns that fit in `width`, each with its width. Drops the least important
 * columns first (pid and last error before latency and state), then shares any
 * leftover space among the flexible ones (name up to `longestName`, then last
 * error), so the table degrades instead of wrapping on a narrow terminal.
 */
export function layoutColumns(width: number, longestName = Infinity, columns: readonly Column[] = COLUMNS): LaidOutColumn[] {
  const kept = [...columns];
  const need = (cols: readonly Column[]) => cols.reduce((n, c) => n + c.min, 0) + Math.max(0, cols.length - 1) * COLUMN_GAP;
  while (kept.length > 1 && need(kept) > width) {
    const worst = kept.reduce((w, c) => (c.priority >= w.priority ? c : w));
    kept.splice(kept.indexOf(worst), 1);
  }
  let spare = Math.max(0, width - need(kept));
  const laid = kept.map((c) => ({ ...c, width: c.min }));
  for (const c of laid) {
    // The name column grows only as far as the longest name, leaving the rest to the last error.
    const max = c.id === "name" ? Math.max(c.min, Math.min(c.max, longestName)) : c.max;
    const grow = Math.min(spare, max - c.min);
    c.width += grow;
    spare -= grow;
  }
  // A single column on a tiny terminal still must not overflow it.
  if (laid.length === 1) laid[0]!.width = Math.min(laid[0]!.width, Math.max(1, width));
  return laid;
}

/** Pads or cuts `text` to exactly `width` columns. */
export function fit(text: string, width: number, align: "left" | "right"): string {
  if (text.length > width) return width <= 1 ? text.slice(0, width) : text.slice(0, width - 1) + "…";
  return align === "right" ? text.padStart(width) : text.padEnd(width);
}
