/**
 * Every key binding of the health view, in one place: what each key does in each
 * screen, and the hints the footer shows for it. Nothing else reads raw keys.
 */
import type { Key } from "ink";

export type Mode = "table" | "detail" | "log" | "filter" | "confirm" | "confirmQuit";

export type ViewAction =
  | { type: "move"; by: number }
  | { type: "page"; dir: 1 | -1 }
  | { type: "jump"; to: "first" | "last" }
  | { type: "open" }
  | { type: "log" }
  | { type: "back" }
  | { type: "askRestart" }
  | { type: "confirm" }
  | { type: "cancel" }
  | { type: "startFilter" }
  | { type: "filterInput"; text: string }
  | { type: "filterBackspace" }
  | { type: "filterDone" }
  | { type: "filterClear" }
  | { type: "sort" }
  | { type: "quit" };

interface Binding {
  /** how the footer names the key(s) */
  keys: string;
  /** what the footer says it does; bindings without one are not advertised */
  help?: string;
  modes: readonly Mode[];
  match(input: string, key: Key): boolean;
  action: ViewAction | ((input: string) => ViewAction);
}

const LIST: readonly Mode[] = ["table", "detail", "log"];
const isChar = (c: string) => (input: string, key: Key) => input === c && !key.ctrl && !key.meta;

/** Earlier bindings win, so the specific ones come before the catch-alls. */
export const BINDINGS: readonly Binding[] = [
  // A question: only the key it offers says yes. Enter does not: a pasted line ends in one,
  // and so does the habit of pressing it at any prompt. Nothing else slips through meanwhile.
  { keys: "y", help: "restart", modes: ["confirm"], match: isChar("y"), action: { type: "confirm" } },
  { keys: "y", help: "stop mcpd and quit", modes: ["confirmQuit"], match: isChar("y"), action: { type: "confirm" } },
  { keys: "n/esc", help: "cancel", modes: ["confirm", "confirmQuit"], match: (i, k) => i === "n" || k.escape || i === "q", action: { type: "cancel" } },

  // Typing a filter: letters are text, not commands.
  { keys: "enter", help: "apply", modes: ["filter"], match: (_i, k) => k.return, action: { type: "filterDone" } },
  { keys: "esc", help: "clear", modes: ["filter"], match: (_i, k) => k.escape, action: { type: "filterClear" } },
  { keys: "⌫", modes: ["filter"], match: (_i, k) => k.backspace || k.delete, action: { type: "filterBackspace" } },
  { keys: "↑↓", help: "select", modes: ["filter", "table"], match: (_i, k) => k.upArrow, action: { type: "move", by: -1 } },
  { keys: "", modes: ["filter", "table"], match: (_i, k) => k.downArrow, action: { type: "move", by: 1 } },
  {
    keys: "",
    modes: ["filter"],
    match: (i, k) => i.length > 0 && !k.ctrl && !k.meta && !k.tab && !/[\x00-\x1f\x7f]/.test(i),
    action: (i) => ({ type: "filterInput", text: i }),
  },

  // The table.
  { keys: "jk", modes: ["table"], match: isChar("k"), action: { type: "move", by: -1 } },
  { keys: "", modes: ["table"], match: isChar("j"), action: { type: "move", by: 1 } },
  { keys: "pgup/dn", modes: ["table"], match: (_i, k) => k.pageUp, action: { type: "page", dir: -1 } },
  { keys: "", modes: ["table"], match: (_i, k) => k.pageDown, action: { type: "page", dir: 1 } },
  { keys: "home/end", modes: ["table"], match: (i, k) => k.home || i === "g", action: { type: "jump", to: "first" } },
  { keys: "", modes: ["table"], match: (i, k) => k.end || i === "G", action: { type: "jump", to: "last" } },
  { keys: "enter", help: "detail", modes: ["table"], match: (_i, k) => k.return, action: { type: "open" } },
  { keys: "esc", help: "back", modes: ["detail", "log"], match: (_i, k) => k.escape || k.return || k.backspace || k.leftArrow, action: { type: "back" } },
  { keys: "r", help: "restart", modes: LIST, match: isChar("r"), action: { type: "askRestart" } },
  { keys: "l", help: "log", modes: ["table", "detail"], match: isChar("l"), action: { type: "log" } },
  { keys: "/", help: "filter", modes: ["table"], match: isChar("/"), action: { type: "startFilter" } },
  { keys: "s", help: "sort", modes: ["table"], match: isChar("s"), action: { type: "sort" } },
  { keys: "esc", modes: ["table"], match: (_i, k) => k.escape, action: { type: "filterClear" } },
  { keys: "q", help: "quit", modes: LIST, match: isChar("q"), action: { type: "quit" } },
];

/** The action a key press means in `mode`, or null when the key means nothing there. */
export function actionFor(mode: Mode, input: string, key: Key): ViewAction | null {
  for (const b of BINDINGS) {
    if (!b.modes.includes(mode) || !b.match(input, key)) continue;
    return typeof b.action === "function" ? b.action(input) : b.action;
  }
  return null;
}

/** Footer hints for `mode`: key name and what it does, in binding order. */
export function hintsFor(mode: Mode): Array<{ keys: string; help: string }> {
  const hints = BINDINGS.filter((b) => b.modes.includes(mode) && b.help).map((b) => ({ keys: b.keys, help: b.help! }));
  // "↑↓" and "jk" select the same way; show them as one hint.
  if (mode === "table") {
    const sel = hints.find((h) => h.help === "select");
    if (sel) sel.keys = "↑↓/jk";
  }
  return hints;
}

/**
 * Ink hands over several keys that arrive in one read as one string ("jj", "jjj\r"):
 * key repeat, a fast typist, tmux send-keys. Split them so each is its own press.
 */
export function splitKeys(input: string, key: Key): Array<[string, Key]> {
  if (input.length <= 1 || key.ctrl || key.meta || input.includes("\x1b")) return [[input, key]];
  return [...input].map((ch): [string, Key] => [
    ch === "\r" || ch === "\n" ? "" : ch,
    { ...key, return: ch === "\r" || ch === "\n", tab: ch === "\t", backspace: false, delete: ch === "\x7f", shift: ch !== ch.toLowerCase() },
  ]);
}
