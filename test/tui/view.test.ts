import { describe, expect, test } from "bun:test";
import type { Key } from "ink";
import { layoutColumns, problemOffTable } from "../../src/tui/columns.ts";
import { actionFor, hintsFor, splitKeys } from "../../src/tui/keys.ts";
import { filterServices, nextSortMode, sortServices, visibleServices } from "../../src/tui/sort.ts";
import { INITIAL_VIEW, reduceView, screenOf, type ViewState } from "../../src/tui/state.ts";
import { moveSelection, scrollWindow } from "../../src/tui/window.ts";
import { service } from "./fakes.ts";

const names = (list: { name: string }[]) => list.map((s) => s.name);
const key = (over: Partial<Key> = {}): Key =>
  ({ upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false, ...over }) as Key;

describe("sort and filter", () => {
  const list = [
    service("slack", { state: "unhealthy", metrics: { requestsPerSec: 5, errorRate: 0.1, p99Ms: 80 } }),
    service("figma", { metrics: { requestsPerSec: 20, errorRate: 0, p99Ms: 300 } }),
    service("github", { state: "backing-off", crashLoop: true, metrics: { requestsPerSec: 0, errorRate: 0.5, p99Ms: null } }),
    service("demo", { state: "idle", title: "Demo (offline)" }),
  ];

  test("each mode orders the rows for its question", () => {
    expect(names(sortServices(list, "name"))).toEqual(["demo", "figma", "github", "slack"]);
    expect(names(sortServices(list, "state"))).toEqual(["github", "slack", "demo", "figma"]);
    expect(names(sortServices(list, "req/s"))).toEqual(["figma", "slack", "demo", "github"]);
    expect(names(sortServices(list, "errors"))).toEqual(["github", "slack", "demo", "figma"]);
    expect(names(sortServices(list, "p99"))).toEqual(["figma", "slack", "demo", "github"]);
  });

  test("s cycles name → state → req/s → errors → p99 → name", () => {
    const seen = [INITIAL_VIEW.sort];
    for (let i = 0; i < 5; i++) seen.push(nextSortMode(seen.at(-1)!));
    expect(seen).toEqual(["name", "state", "req/s", "errors", "p99", "name"]);
  });

  test("filter matches name or title, ignoring case", () => {
    expect(names(filterServices(list, "GIT"))).toEqual(["github"]);
    expect(names(filterServices(list, "offline"))).toEqual(["demo"]);
    expect(filterServices(list, "  ")).toHaveLength(4);
    expect(names(visibleServices(list, "g", "name"))).toEqual(["figma", "github"]);
  });
});

describe("window", () => {
  test("does not scroll while the selection stays inside", () => {
    expect(scrollWindow(300, 5, 19, 0)).toEqual({ start: 0, end: 19 });
    expect(scrollWindow(300, 18, 19, 0)).toEqual({ start: 0, end: 19 });
  });

  test("scrolls by one when the selection steps past an edge", () => {
    expect(scrollWindow(300, 19, 19, 0)).toEqual({ start: 1, end: 20 });
    expect(scrollWindow(300, 0, 19, 1)).toEqual({ start: 0, end: 19 });
    expect(scrollWindow(300, 299, 19, 0)).toEqual({ start: 281, end: 300 });
  });

  test("never shows more rows than fit, nor runs past a shrunken list", () => {
    expect(scrollWindow(5, 2, 19, 200)).toEqual({ start: 0, end: 5 });
    expect(scrollWindow(0, 0, 19, 3)).toEqual({ start: 0, end: 0 });
    expect(scrollWindow(300, 150, 0, 0)).toEqual({ start: 0, end: 0 });
    expect(moveSelection(300, 299, 5)).toBe(299);
    expect(moveSelection(300, 0, -1)).toBe(0);
  });
});

describe("columns", () => {
  const ids = (w: number) => layoutColumns(w).map((c) => c.id);

  test("a wide terminal shows every column", () => {
    expect(ids(160)).toEqual(["name", "state", "port", "pid", "uptime", "restarts", "users", "rps", "errors", "p50", "p99", "lastError"]);
  });

  test("80 columns keep every number, even a 7-digit pid; only the last error goes, and the row fits exactly", () => {
    const cols = layoutColumns(78, { name: 30, pid: 7 });
    expect(cols.map((c) => c.id)).toEqual(["name", "state", "port", "pid", "uptime", "restarts", "users", "rps", "errors", "p50", "p99"]);
    expect(cols.find((c) => c.id === "pid")!.width).toBe(7);
    expect(cols.reduce((n, c) => n + c.width, 0) + cols.length - 1).toBe(78);
  });

  test("name and pid are as wide as what is in them; the room they leave goes to longer names, then the last error", () => {
    const width = (cols: ReturnType<typeof layoutColumns>, id: string) => cols.find((c) => c.id === id)?.width;
    // Short names shrink to the column title, 5-digit pids to 5.
    const short = layoutColumns(78, { name: 4, pid: 5 });
    expect(width(short, "name")).toBe("SERVICE".length);
    expect(width(short, "pid")).toBe(5);
    // A long name gets what short pids leave over at 80 columns, cut where it must be.
    expect(width(layoutColumns(78, { name: 20, pid: 5 }), "name")).toBe(13);
    // With room to spare, the last error comes back and takes the rest.
    const wide = layoutColumns(118, { name: 4, pid: 5 });
    expect(wide.at(-1)!.id).toBe("lastError");
    expect(wide.reduce((n, c) => n + c.width, 0) + wide.length - 1).toBe(118);
  });

  test("the selected service's last error goes to the status line only when the table has no room for it", () => {
    const broken = service("figma", { lastError: "Error: upstream 502" });
    expect(problemOffTable(broken, [broken], 78)).toEqual({ service: "figma", text: "Error: upstream 502", isError: true });
    expect(problemOffTable(broken, [broken], 118)).toBeNull();
    // A deliberate restart leaves a last exit, not an error.
    expect(problemOffTable(service("demo", { lastExit: "restart requested (exit code 0)" }), [broken], 78)).toMatchObject({ isError: false });
    expect(problemOffTable(service("demo"), [broken], 78)).toBeNull();
  });

  test("a narrow terminal keeps name, state and traffic", () => {
    expect(ids(40)).toEqual(["name", "state", "rps", "errors"]);
    expect(ids(26)).toEqual(["name", "state"]);
    const tiny = layoutColumns(8);
    expect(tiny.map((c) => c.id)).toEqual(["name"]);
    expect(tiny[0]!.width).toBe(8);
  });
});

describe("keys and view state", () => {
  const ctx = { names: ["a", "b", "c", "d"], pageSize: 2 };
  const press = (v: ViewState, input: string, k: Partial<Key> = {}) => {
    const action = actionFor(v.mode, input, key(k));
    return action ? reduceView(v, action, ctx) : { view: v };
  };

  test("j/k and arrows move the selection; it sticks at the ends", () => {
    let v = INITIAL_VIEW;
    v = press(v, "j").view;
    v = press(v, "", { downArrow: true }).view;
    expect(v.selected).toBe("c");
    v = press(v, "k").view;
    expect(v.selected).toBe("b");
    v = press(v, "", { pageDown: true }).view;
    v = press(v, "", { pageDown: true }).view;
    expect(v.selected).toBe("d");
    v = press(v, "", { upArrow: true }).view;
    v = press(v, "g").view;
    expect(v.selected).toBe("a");
  });

  test("r asks first; y restarts the asked-about service, n does not", () => {
    let v = press(INITIAL_VIEW, "j").view;
    const asked = press(v, "r");
    expect(asked.view.mode).toBe("confirm");
    expect(asked.effect).toBeUndefined();
    const yes = press(asked.view, "y");
    expect(yes.effect).toEqual({ type: "restart", service: "b" });
    expect(yes.view.mode).toBe("table");
    const no = press(asked.view, "", { escape: true });
    expect(no.effect).toBeUndefined();
    expect(no.view.mode).toBe("table");
    // Keys that mean something elsewhere do nothing while the question is up.
    expect(press(asked.view, "j").view).toEqual(asked.view);
  });

  test("only y answers yes: enter, or a pasted line ending in one, restarts nothing", () => {
    const asked = press(INITIAL_VIEW, "r").view;
    expect(press(asked, "", { return: true })).toEqual({ view: asked });
    expect(press(asked, "Y", { shift: true })).toEqual({ view: asked });
    const pasted = splitKeys("ok\r", key()).map(([i, k]) => actionFor("confirm", i, k));
    expect(pasted).toEqual([null, null, null]);
  });

  test("when quitting stops the daemon, q asks first and only y quits", () => {
    const stops = { ...ctx, quitStopsDaemon: true };
    const at = (v: ViewState, input: string, k: Partial<Key> = {}) => reduceView(v, actionFor(v.mode, input, key(k))!, stops);
    const detail = at(INITIAL_VIEW, "", { return: true }).view;
    const asked = at(detail, "q");
    expect(asked.effect).toBeUndefined();
    expect(asked.view.mode).toBe("confirmQuit");
    expect(screenOf(asked.view)).toBe("detail");
    expect(actionFor("confirmQuit", "", key({ return: true }))).toBeNull();
    expect(at(asked.view, "n")).toEqual({ view: { ...detail, returnTo: "detail" } });
    expect(at(asked.view, "y")).toEqual({ view: { ...detail, returnTo: "detail" }, effect: { type: "quit" } });
    expect(hintsFor("confirmQuit").map((h) => `${h.keys} ${h.help}`)).toEqual(["y stop mcpd and quit", "n/esc cancel"]);
  });

  test("enter opens the detail pane, l follows the log, esc goes back", () => {
    const detail = press(INITIAL_VIEW, "", { return: true }).view;
    expect(screenOf(detail)).toBe("detail");
    const log = press(detail, "l").view;
    expect(screenOf(log)).toBe("log");
    // esc leaves the log for the screen it was opened from.
    expect(press(log, "", { escape: true }).view.mode).toBe("detail");
    expect(press(press(INITIAL_VIEW, "l").view, "", { escape: true }).view.mode).toBe("table");
    // ...even after a restart asked from the log.
    expect(press(press(press(log, "r").view, "y").view, "", { escape: true }).view.mode).toBe("detail");
    expect(press(detail, "", { escape: true }).view.mode).toBe("table");
    // Restarting from the detail pane comes back to it.
    const asked = press(detail, "r").view;
    expect(screenOf(asked)).toBe("detail");
    expect(press(asked, "y").view.mode).toBe("detail");
  });

  test("/ types a filter where letters are text, not commands", () => {
    let v = press(INITIAL_VIEW, "/").view;
    for (const ch of "qs") v = press(v, ch).view;
    expect(v.filter).toBe("qs");
    expect(v.mode).toBe("filter");
    v = press(v, "", { backspace: true }).view;
    expect(v.filter).toBe("q");
    v = press(v, "", { return: true }).view;
    expect(v).toMatchObject({ mode: "table", filter: "q" });
    // esc on the table clears an applied filter.
    expect(press(v, "", { escape: true }).view.filter).toBe("");
  });

  test("q quits from every screen but the filter input", () => {
    expect(press(INITIAL_VIEW, "q").effect).toEqual({ type: "quit" });
    expect(press({ ...INITIAL_VIEW, mode: "log" }, "q").effect).toEqual({ type: "quit" });
    expect(press({ ...INITIAL_VIEW, mode: "filter" }, "q").effect).toBeUndefined();
  });

  test("the footer lists the table's keys from the same bindings", () => {
    const hints = hintsFor("table").map((h) => `${h.keys} ${h.help}`);
    expect(hints).toEqual(["↑↓/jk select", "enter detail", "r restart", "l log", "/ filter", "s sort", "q quit"]);
    expect(hintsFor("confirm").map((h) => h.keys)).toEqual(["y", "n/esc"]);
  });

  test("keys that arrive in one chunk are pressed one by one", () => {
    const pressed = splitKeys("jj\r", key()).map(([i, k]) => actionFor("table", i, k));
    expect(pressed).toEqual([{ type: "move", by: 1 }, { type: "move", by: 1 }, { type: "open" }]);
    expect(splitKeys("\x1b[A", key({ upArrow: true }))).toHaveLength(1);
  });
});
