/**
 * Which slice of a long list is on screen. The table never renders more rows than
 * fit: with 300+ services, drawing all of them would make Ink scroll the terminal
 * and flicker on every frame.
 */

export interface ListWindow {
  /** index of the first visible row */
  start: number;
  /** one past the last visible row */
  end: number;
}

/**
 * Scrolls as little as possible from `prevStart` so that `selected` is visible, like
 * a pager: moving inside the window does not scroll; stepping past an edge moves the
 * window by one. Also pulls the window back when the list shrinks (a filter).
 */
export function scrollWindow(total: number, selected: number, height: number, prevStart = 0): ListWindow {
  const h = Math.max(0, Math.floor(height));
  if (total <= 0 || h === 0) return { start: 0, end: 0 };
  const sel = clamp(selected, 0, total - 1);
  let start = clamp(prevStart, 0, Math.max(0, total - h));
  if (sel < start) start = sel;
  else if (sel >= start + h) start = sel - h + 1;
  return { start, end: Math.min(total, start + h) };
}

/** Index after moving `by` rows (negative = up), kept inside the list. */
export function moveSelection(total: number, current: number, by: number): number {
  if (total <= 0) return 0;
  return clamp(current + by, 0, total - 1);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
