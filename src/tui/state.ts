/**
 * The health view's own state (which screen, which service, filter, sort) and how
 * each key action changes it. Pure: the hook that reads keys applies the returned
 * effect (quit, restart) at the edge.
 */
import type { Mode, ViewAction } from "./keys.ts";
import { nextSortMode, type SortMode } from "./sort.ts";
import { moveSelection } from "./window.ts";

export interface ViewState {
  mode: Mode;
  /** selected service by name, so the selection follows it when live re-sorting moves it */
  selected: string | null;
  filter: string;
  sort: SortMode;
  /** the service a pending restart question is about */
  confirm: string | null;
  /** where to go back to after the restart question */
  returnTo: Mode;
  /** the screen the log was opened from, where esc goes back to */
  logFrom: "table" | "detail";
}

export const INITIAL_VIEW: ViewState = { mode: "table", selected: null, filter: "", sort: "name", confirm: null, returnTo: "table", logFrom: "table" };

export type ViewEffect = { type: "quit" } | { type: "restart"; service: string };

export interface ViewContext {
  /** names of the services on screen, in display order */
  names: readonly string[];
  /** rows per page, for page up/down */
  pageSize: number;
  /** quitting also stops the daemon (`mcpd start --tui`): ask first */
  quitStopsDaemon?: boolean;
}

/** Which body the screen shows: the restart question and the filter keep the screen they were asked from. */
export function screenOf(view: ViewState): "table" | "detail" | "log" {
  const mode = view.mode === "confirm" || view.mode === "confirmQuit" ? view.returnTo : view.mode;
  return mode === "detail" || mode === "log" ? mode : "table";
}

/** The index of the selection in the visible list (the first row when it is not there). */
export function selectedIndex(view: ViewState, names: readonly string[]): number {
  const i = view.selected == null ? -1 : names.indexOf(view.selected);
  return i < 0 ? 0 : i;
}

/** The selected service's name, if it is on screen (falls back to the first row). */
export function selectedName(view: ViewState, names: readonly string[]): string | null {
  return names.length ? names[selectedIndex(view, names)]! : null;
}

export function reduceView(view: ViewState, action: ViewAction, ctx: ViewContext): { view: ViewState; effect?: ViewEffect } {
  const { names } = ctx;
  const current = selectedName(view, names);
  const select = (i: number) => ({ view: { ...view, selected: names[moveSelection(names.length, i, 0)] ?? null } });
  switch (action.type) {
    case "move":
      return select(selectedIndex(view, names) + action.by);
    case "page":
      return select(selectedIndex(view, names) + action.dir * Math.max(1, ctx.pageSize));
    case "jump":
      return select(action.to === "first" ? 0 : names.length - 1);
    case "open":
      return current ? { view: { ...view, mode: "detail", selected: current } } : { view };
    case "log":
      return current ? { view: { ...view, mode: "log", selected: current, logFrom: view.mode === "detail" ? "detail" : "table" } } : { view };
    case "back":
      return { view: { ...view, mode: view.mode === "log" ? view.logFrom : "table" } };
    case "askRestart":
      return current ? { view: { ...view, mode: "confirm", confirm: current, returnTo: view.mode, selected: current } } : { view };
    case "confirm": {
      if (view.mode === "confirmQuit") return { view: { ...view, mode: view.returnTo }, effect: { type: "quit" } };
      const service = view.confirm;
      const next = { ...view, mode: view.returnTo, confirm: null };
      return service ? { view: next, effect: { type: "restart", service } } : { view: next };
    }
    case "cancel":
      return { view: { ...view, mode: view.returnTo, confirm: null } };
    case "startFilter":
      return { view: { ...view, mode: "filter" } };
    case "filterInput":
      return { view: { ...view, filter: view.filter + action.text } };
    case "filterBackspace":
      return { view: { ...view, filter: view.filter.slice(0, -1) } };
    case "filterDone":
      return { view: { ...view, mode: "table" } };
    case "filterClear":
      return { view: { ...view, mode: "table", filter: "" } };
    case "sort":
      // Pin the selection by name, so re-ordering keeps the cursor on the same service.
      return { view: { ...view, sort: nextSortMode(view.sort), selected: current } };
    case "quit":
      // One key would take down every service for every user: under `mcpd start --tui` it asks.
      if (ctx.quitStopsDaemon) return { view: { ...view, mode: "confirmQuit", returnTo: view.mode } };
      return { view, effect: { type: "quit" } };
  }
}
