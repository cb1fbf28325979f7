/**
 * How the screen's rows are shared. The view always draws exactly the terminal's
 * height, so Ink repaints in place instead of scrolling.
 */
export const HEADER_ROWS = 2;
export const STATUS_ROWS = 1;
export const FOOTER_ROWS = 1;
/** The table's column titles. */
export const TABLE_HEADER_ROWS = 1;

export interface Layout {
  /** rows for the table, detail pane or log view */
  body: number;
  /** service rows the table can show */
  tableRows: number;
}

export function layout(rows: number): Layout {
  const body = Math.max(1, rows - HEADER_ROWS - STATUS_ROWS - FOOTER_ROWS);
  return { body, tableRows: Math.max(1, body - TABLE_HEADER_ROWS) };
}
