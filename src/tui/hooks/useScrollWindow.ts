import { useRef } from "react";
import { scrollWindow, type ListWindow } from "../window.ts";

/** The table's visible slice, remembering the last one so the view scrolls only when the selection leaves it. */
export function useScrollWindow(total: number, selected: number, height: number): ListWindow {
  const start = useRef(0);
  const w = scrollWindow(total, selected, height, start.current);
  start.current = w.start;
  return w;
}
