/**
 * How the health view prints numbers: short, fixed-ish width, and "-" where there is
 * nothing to show (a stopped service has no uptime; a quiet one has no latency).
 */

export const NONE = "-";

/** 42s, 3m12s, 2h05m, 3d04h, 12d: two units at most and five characters, so the column stays narrow. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return NONE;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${pad2(s % 60)}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${pad2(m % 60)}m`;
  const d = Math.floor(h / 24);
  return d < 10 ? `${d}d${pad2(h % 24)}h` : `${d}d`;
}

/** Uptime of something started at `startedAt` (ms since epoch), as of `now`. */
export function formatUptime(startedAt: number | null | undefined, now: number): string {
  return startedAt == null ? NONE : formatDuration(Math.max(0, now - startedAt));
}

/** 0.4ms, 12ms, 340ms, 1.2s, 14s. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return NONE;
  if (ms < 10) return `${trim1(ms)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000) return `${trim1(ms / 1000)}s`;
  return `${Math.round(ms / 1000)}s`;
}

/** Requests per second: 0, 0.3, 12, 1.2k. */
export function formatRate(perSec: number | null | undefined): string {
  if (perSec == null || !Number.isFinite(perSec) || perSec <= 0) return "0";
  if (perSec < 10) return trim1(perSec);
  return formatCount(Math.round(perSec));
}

/** An error ratio 0..1 as a percentage: 0%, <0.1%, 2.5%, 40%. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio == null || !Number.isFinite(ratio) || ratio <= 0) return "0%";
  const pct = ratio * 100;
  if (pct < 0.1) return "<0.1%";
  if (pct < 10) return `${trim1(pct)}%`;
  return `${Math.round(Math.min(pct, 100))}%`;
}

/** 999, 1.2k, 34k, 1.2M: counters grow without bound, columns don't. */
export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) return `${trim1(n / 1000)}k`;
  if (n < 1_000_000) return `${Math.round(n / 1000)}k`;
  return `${trim1(n / 1_000_000)}M`;
}

/** 512B, 1.2KB, 3.4MB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 ? trim1(v) : Math.round(v)}${units[u]}`;
}

/** Wall-clock time of a state change, HH:MM:SS local. */
export function formatClock(ts: number): string {
  const d = new Date(ts);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Cuts `s` to `width` columns, marking the cut with "…". */
export function truncate(s: string, width: number): string {
  if (width <= 0) return "";
  if (s.length <= width) return s;
  return width === 1 ? "…" : s.slice(0, width - 1) + "…";
}

/** Cuts from the left (for paths, whose end says the most): "…/mcpd/data". */
export function truncateLeft(s: string, width: number): string {
  if (width <= 0) return "";
  if (s.length <= width) return s;
  return width === 1 ? "…" : "…" + s.slice(s.length - width + 1);
}

/**
 * A last-error line short enough for a table cell: first line only, without the
 * "Error: " noise a stack-trace-shaped message carries.
 */
export function shortError(msg: string | null | undefined, width: number): string {
  if (!msg) return "";
  const first = msg.split("\n", 1)[0]!.replace(/^(\w*Error):\s*/, "").trim();
  return truncate(first, width);
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** One decimal, without a trailing ".0". */
function trim1(v: number): string {
  const s = v.toFixed(1);
  return s.endsWith(".0") ? s.slice(0, -2) : s;
}

/** A log line as plain text: a child's colour codes and control bytes would corrupt the screen. */
export function plainLine(line: string): string {
  return line
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "")
    .replace(/\t/g, "  ")
    .replace(/[\x00-\x1f\x7f]/g, "");
}
