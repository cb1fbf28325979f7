// The health view fed by a real control-plane stream: `mcpd start` running the builtin
// demo service, the socket client from src/control/client.ts, and the App as users see
// it at 80×24.
import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { connectControl } from "../../src/control/client.ts";
import { App } from "../../src/tui/App.tsx";
import { VERSION } from "../../src/version.ts";
import { demoDaemon, IDLE_SERVICE, type TestDaemon } from "./daemon.ts";
import { frameWhere, KEY, plain, selectedRow, tableNames, tableRow, withColour } from "./ink.ts";

withColour();

let daemon: TestDaemon | null = null;
afterEach(async () => {
  cleanup();
  await daemon?.cleanup();
  daemon = null;
});

const SIZE = { columns: 80, rows: 24 };
const STREAM = { baseMs: 100, capMs: 500 };
/** Frames that depend on the daemon (a restart, a reconnect) get this long on a busy machine. */
const DAEMON_WAIT_MS = 30_000;
/** Frames that only need a key press to be drawn. */
const KEY_WAIT_MS = 10_000;

type Rendered = ReturnType<typeof render>;

/** Presses `key` and waits (bounded) for the frame it should lead to. */
async function press(r: Rendered, key: string, check: (f: string) => boolean, what: string, timeoutMs = KEY_WAIT_MS): Promise<string> {
  r.stdin.write(key);
  return frameWhere(r, check, what, timeoutMs);
}

const demoRow = (f: string) => tableRow(f, "demo");
const healthyDemo = (f: string) => demoRow(f)?.STATE === "healthy";

describe("the health view on a real daemon", () => {
  test(
    "the demo service turns healthy with its port, pid and users; selection, detail, log, filter and sort work on it",
    async () => {
      daemon = await demoDaemon({ idle: true });
      await daemon.start();
      await daemon.addUser("alice");
      await daemon.addUser("bob");
      const demo = await daemon.demo();
      const r = render(<App client={connectControl(daemon.socket)} size={SIZE} stream={STREAM} />);

      let f = await frameWhere(r, (f) => healthyDemo(f) && f.includes("users 2"), "the demo row, healthy, with two users", DAEMON_WAIT_MS);
      expect(f.split("\n")).toHaveLength(24);
      for (const line of f.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
      expect(f.split("\n")[0]).toStartWith(`mcpd ${VERSION}  http://127.0.0.1:${daemon.proxyPort}  up `);
      expect(f).toContain(`data ${daemon.dataDir}`);
      expect(f).toContain("services 2/2 healthy  users 2  instances 2  req/s 0");
      expect(tableNames(f)).toEqual(["demo", IDLE_SERVICE]);
      expect(demoRow(f)).toMatchObject({ PORT: String(daemon.servicePort), PID: String(demo.pid), RST: "0", USERS: "2", "REQ/S": "0", "ERR%": "0%" });
      expect(demoRow(f)!.UP).toMatch(/^\d+s$/);
      expect(tableRow(f, IDLE_SERVICE)).toMatchObject({ STATE: "idle", PORT: String(daemon.idlePort), PID: "-", UP: "-", USERS: "0" });
      expect(selectedRow(f)).toBe("demo");
      expect(f).toContain("sort: name  rows 1–2 of 2");
      // Colours, from the same frame with its escape codes: healthy green, idle grey, the selection inverted.
      const raw = (name: string) => r.lastFrame()!.split("\n").find((l) => plain(l).includes(`${name} `) && /healthy|idle/.test(plain(l)))!;
      expect(raw("demo")).toContain("\x1b[32mhealthy");
      expect(raw("demo")).toContain("\x1b[7m");
      expect(raw(IDLE_SERVICE)).toContain("\x1b[90midle");
      expect(raw(IDLE_SERVICE)).not.toContain("\x1b[7m");
      expect(f.split("\n").at(-1)).toBe("↑↓/jk select  enter detail  r restart  l log  / filter  s sort  q quit");

      // Selection: j/k and the arrows.
      await press(r, "j", (f) => selectedRow(f) === IDLE_SERVICE, "j to select the next row");
      await press(r, "k", (f) => selectedRow(f) === "demo", "k to select the previous row");
      await press(r, KEY.down, (f) => selectedRow(f) === IDLE_SERVICE, "↓ to select the next row");
      await press(r, KEY.up, (f) => selectedRow(f) === "demo", "↑ to select the previous row");

      // The detail pane reads state changes and the log over the same control plane.
      f = await press(
        r,
        KEY.enter,
        (f) => f.includes("Recent changes") && !f.includes("loading…") && f.includes("builtin demo serving"),
        "the detail pane with its changes and log",
      );
      expect(f).toContain("demo · Demo (offline)  healthy");
      expect(f).toContain(`port ${daemon.servicePort} · streamable-http · start boot · prefix demo`);
      expect(f).toContain("run builtin demo · key in header X-Demo-Key (checked locally)");
      expect(f).toContain("health GET /health every 5s · 6000 req/min");
      expect(f).toMatch(new RegExp(`pid ${demo.pid} · up \\d+s · restarts 0 · users 2`));
      expect(f).toMatch(/stopped → starting\s+mcpd start/);
      expect(f).toMatch(new RegExp(`starting → healthy\\s+answering on port ${daemon.servicePort}`));
      expect(f).toContain(`demo: builtin demo serving /mcp on http://127.0.0.1:${daemon.servicePort}`);
      expect(f.split("\n").at(-1)).toBe("esc back  r restart  l log  q quit");
      await press(r, KEY.escape, (f) => healthyDemo(f), "the table again");

      // l follows the log.
      f = await press(r, "l", (f) => f.includes("log: demo (following)") && f.includes(`started pid ${demo.pid}`), "the followed log");
      await press(r, KEY.escape, (f) => healthyDemo(f), "the table after the log");

      // / filters by name as you type; enter applies, esc clears.
      f = await press(r, "/", (f) => f.includes("2 of 2 match"), "the filter prompt");
      await press(r, "l", (f) => f.includes("/l"), "the first letter of the filter");
      // "l" alone still matches the demo's title, "Demo (offline)"; "la" only the lazy one.
      f = await press(r, "a", (f) => f.includes("1 of 2 match"), "the filter narrowed by a second letter");
      expect(tableNames(f)).toEqual([IDLE_SERVICE]);
      f = await press(r, KEY.enter, (f) => f.includes("filter: /la  rows 1–1 of 1 (2 total)"), "the filter applied");
      expect(tableNames(f)).toEqual([IDLE_SERVICE]);
      f = await press(r, KEY.escape, (f) => tableNames(f).length === 2, "the filter cleared");
      expect(f).toContain("sort: name  rows 1–2 of 2");

      // s sorts by state: the idle service before the healthy one; the selection stays put.
      const before = selectedRow(f);
      f = await press(r, "s", (f) => f.includes("sort: state"), "the state sort");
      expect(tableNames(f)).toEqual([IDLE_SERVICE, "demo"]);
      expect(selectedRow(f)).toBe(before);
      r.unmount();
    },
    { timeout: 120_000 },
  );

  test(
    "r asks first: n leaves the demo service alone, y restarts it and the row shows the new pid",
    async () => {
      daemon = await demoDaemon();
      await daemon.start();
      const first = await daemon.demo();
      const r = render(<App client={connectControl(daemon.socket)} size={SIZE} stream={STREAM} />);
      await frameWhere(r, (f) => demoRow(f)?.PID === String(first.pid) && healthyDemo(f), "the demo row with its pid", DAEMON_WAIT_MS);

      await press(r, "r", (f) => f.includes("Restart demo? y = yes · n/esc = no"), "the restart question");
      await press(r, "n", (f) => f.includes("sort: name"), "the question gone after n");
      expect(await daemon.demo()).toMatchObject({ pid: first.pid, restarts: 0 });

      await press(r, "r", (f) => f.includes("Restart demo?"), "the restart question again");
      await press(r, "y", (f) => f.includes("restart of demo requested"), "the restart accepted", DAEMON_WAIT_MS);
      const after = await daemon.demoWhere((s) => s.state === "healthy" && s.pid !== first.pid, "the demo service healthy again with a new pid");
      expect(after.restarts).toBe(1);
      const f = await frameWhere(r, (f) => healthyDemo(f) && demoRow(f)?.PID === String(after.pid), "the new pid on screen", DAEMON_WAIT_MS);
      expect(demoRow(f)!.RST).toBe("1");
      r.unmount();
    },
    { timeout: 120_000 },
  );

  test(
    "no daemon yet, then a daemon, then none again, then back: the view says so each time and reconnects",
    async () => {
      daemon = await demoDaemon();
      const r = render(<App client={connectControl(daemon.socket)} size={SIZE} stream={STREAM} hint="start it with: mcpd start" />);
      let f = await frameWhere(r, (f) => f.includes("daemon not reachable — retrying"), "the not-reachable line before the daemon runs", KEY_WAIT_MS);
      expect(f).toContain("mcpd is not running (no control socket");
      expect(f).toContain("waiting for the daemon");
      expect(f).toContain("daemon not reachable — start it with: mcpd start");

      const first = (await daemon.start()).services.find((s) => s.name === "demo")!;
      f = await frameWhere(r, (f) => healthyDemo(f) && !f.includes("not reachable"), "the view once the daemon is up", DAEMON_WAIT_MS);
      expect(demoRow(f)!.PID).toBe(String(first.pid));

      // The daemon goes away: the view says so instead of crashing, and keeps the last numbers, marked stale...
      await daemon.stop();
      f = await frameWhere(r, (f) => f.includes("daemon not reachable — retrying"), "the not-reachable line after the daemon stopped", DAEMON_WAIT_MS);
      expect(f).toMatch(/\(as of \d+s ago\)/);
      expect(tableNames(f)).toEqual(["demo"]);
      expect(demoRow(f)!.PID).toBe(String(first.pid));

      // ...and picks the new daemon up when it is back.
      const second = (await daemon.start()).services.find((s) => s.name === "demo")!;
      expect(second.pid).not.toBe(first.pid);
      f = await frameWhere(r, (f) => !f.includes("not reachable") && healthyDemo(f) && demoRow(f)?.PID === String(second.pid), "the view after the daemon came back", DAEMON_WAIT_MS);
      expect(f).not.toContain("as of");
      r.unmount();
    },
    { timeout: 120_000 },
  );
});
