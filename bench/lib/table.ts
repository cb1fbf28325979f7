/** A plain-text table: text columns (`left`, by index; the first by default) left-aligned, figures right-aligned. */
export function table(headers: string[], rows: string[][], opts: { left?: number[] } = {}): string {
  const left = new Set(opts.left ?? [0]);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (left.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ").trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export const fixed = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "-");
export const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "-");
export const ratio = (x: number, base: number) => (Number.isFinite(x) && base > 0 ? `${(x / base).toFixed(2)}x` : "-");
/** kB as MB, or GB once past 10 GB (the old model's totals run to hundreds of GB). */
export const mb = (kb: number) =>
  !Number.isFinite(kb) ? "-" : kb >= 10 * 1024 * 1024 ? `${(kb / 1024 / 1024).toFixed(1)} GB` : `${(kb / 1024).toFixed(1)} MB`;

/** An error message fit for one table cell or log line (servers may answer with HTML pages). */
export const oneLine = (s: string | undefined, max = 80) => {
  const t = (s ?? "").replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};
