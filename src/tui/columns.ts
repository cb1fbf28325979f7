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
  /**
   * Sized by what is in it: the column shrinks to its longest value (never below its
   * title) and grows no further, so short names and pids leave room for other columns.
   */
  fitContent?: boolean;
  cell(s: ServiceStatus, now: number, width: number): string;
}

/**
 * Display order, left to right. At 80 columns every column but the last error fits,
 * even with 7-digit pids: names get 11 columns then (more when the pids are shorter).
 */
export const COLUMNS: readonly Column[] = [
  { id: "name", title: "SERVICE", min: 11, max: 24, align: "left", priority: 0, fitContent: true, cell: (s) => s.name },
  { id: "state", title: "STATE", min: 11, max: 11, align: "left", priority: 0, cell: (s) => stateStyle(s).label },
  { id: "port", title: "PORT", min: 5, max: 5, align: "right", priority: 3, cell: (s) => (s.transport === "stdio" || s.port === 0 ? NONE : String(s.port)) },
  // 7 digits: Linux's largest pid_max (4194304).
  { id: "pid", title: "PID", min: 7, max: 7, align: "right", priority: 6, fitContent: true, cell: (s) => (s.pid == null ? NONE : String(s.pid)) },
  { id: "uptime", title: "UP", min: 5, max: 5, align: "right", priority: 4, cell: (s, now) => formatUptime(s.startedAt, now) },
  { id: "restarts", title: "RST", min: 4, max: 4, align: "right", priority: 5, cell: (s) => formatCount(s.restarts) },
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
    cell: (s, _now, width) => shortError(lastProblem(s), width),
  },
];

/** What the LAST ERROR column (or the status line, when the column does not fit) says about a service. */
export function lastProblem(s: Pick<ServiceStatus, "lastError" | "lastExit">): string | null {
  return s.lastError ?? s.lastExit;
}

/**
 * The selected service's last error for the status line, when the table in `width`
 * columns has no room for the LAST ERROR column (at 80 columns it never has); null
 * when there is nothing to say or the table already says it.
 */
export function problemOffTable(
  selected: ServiceStatus,
  services: readonly ServiceStatus[],
  width: number,
): { service: string; text: string; isError: boolean } | null {
  const text = lastProblem(selected);
  if (!text || tableColumns(services, width).some((c) => c.id === "lastError")) return null;
  return { service: selected.name, text, isError: selected.lastError != null };
}

/** One space between columns. */
export const COLUMN_GAP = 1;

export interface LaidOutColumn extends Column {
  width: number;
}

/** The longest value of each content-sized column (absent: assume the widest it allows). */
export type ContentWidths = Partial<Record<ColumnId, number>>;

/** Content widths of the columns that are sized by their content, over every service (not just the visible ones, so columns don't shift while scrolling). */
export function contentWidths(services: readonly ServiceStatus[]): ContentWidths {
  let name = 0;
  let pid = 0;
  for (const s of services) {
    name = Math.max(name, s.name.length);
    pid = Math.max(pid, s.pid == null ? NONE.length : String(s.pid).length);
  }
  return { name, pid };
}

/**
 * The columns that fit in `width`, each with its width. Drops the least important
 * columns first (last error and pid before latency and state), then shares any
 * leftover space among the flexible ones (name up to its longest value, then last
 * error), so the table degrades instead of wrapping on a narrow terminal.
 */
export function layoutColumns(width: number, widest: ContentWidths = {}, columns: readonly Column[] = COLUMNS): LaidOutColumn[] {
  const sized = columns.map((c) => {
    const w = widest[c.id];
    if (!c.fitContent || w == null) return c;
    const min = Math.min(c.min, Math.max(c.title.length, w));
    return { ...c, min, max: Math.max(min, Math.min(c.max, w)) };
  });
  const kept = [...sized];
  const need = (cols: readonly Column[]) => cols.reduce((n, c) => n + c.min, 0) + Math.max(0, cols.length - 1) * COLUMN_GAP;
  while (kept.length > 1 && need(kept) > width) {
    const worst = kept.reduce((w, c) => (c.priority >= w.priority ? c : w));
    kept.splice(kept.indexOf(worst), 1);
  }
  let spare = Math.max(0, width - need(kept));
  const laid = kept.map((c) => ({ ...c, width: c.min }));
  for (const c of laid) {
    const grow = Math.min(spare, c.max - c.min);
    c.width += grow;
    spare -= grow;
  }
  // A single column on a tiny terminal still must not overflow it.
  if (laid.length === 1) laid[0]!.width = Math.min(laid[0]!.width, Math.max(1, width));
  return laid;
}

/** The table's columns for these services in `width` columns. */
export function tableColumns(services: readonly ServiceStatus[], width: number): LaidOutColumn[] {
  return layoutColumns(width, contentWidths(services));
}

/** Pads or cuts `text` to exactly `width` columns. */
export function fit(text: string, width: number, align: "left" | "right"): string {
  if (text.length > width) return width <= 1 ? text.slice(0, width) : text.slice(0, width - 1) + "…";
  return align === "right" ? text.padStart(width) : text.padEnd(width);
}
