import { useWindowSize } from "ink";

export interface TerminalSize {
  columns: number;
  rows: number;
}

/**
 * The terminal's size, updated on resize. `fixed` pins it (tests, and embedding the
 * view in a region of known size); Ink's test renderer has no real terminal to ask.
 */
export function useTerminalSize(fixed?: TerminalSize): TerminalSize {
  const live = useWindowSize();
  return fixed ?? live;
}
