// The health view fed by a real control-plane stream: `mcpd start` running the demo
// service, the socket client from src/control/client.ts, and the App as users see it.
import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { connectControl } from "../../src/control/client.ts";
import { App } from "../../src/tui/App.tsx";
import { demoDaemon, type TestDaemon } from "./daemon.ts";
import { frameWhere, KEY, tableNames } from "./ink.ts";

let daemon: TestDaemon | null = null;
afterEach(async () => {
  cleanup();
  await daemon?.cleanup();
  daemon = null;
});

const SIZE = { columns: 100, rows: 24 };
const STREAM = { baseMs: 100, capMs: 500 };

describe("the health view on a real daemon", () => {
  test(
    "shows the demo service live, restarts it on confirm, and survives the daemon going away",
    async () => {
      daemon = await demoDaemon();
      await daemon.start();
      const r = render(<App client={connectControl(daemon.socket)} size={SIZE} stream={STREAM} />);

      let f = await frameWhere(r, (f) => tableNames(f).includes("demo"), "the demo row");
      expect(f).toContain(`http://127.0.0.1:${daemon.proxyPort}`);
      expect(f).toContain(String(daemon.servicePort));
      expect(f).toMatch(/services \d\/1 healthy/);

      // The detail pane reads state changes and the log over the same control plane.
      r.stdin.write(KEY.enter);
      f = await frameWhere(r, (f) => f.includes("Recent changes") && !f.includes("loading…"), "the detail pane");
      expect(f).toContain(`port ${daemon.servicePort}`);
      expect(f).toMatch(/stopped → starting/);
      r.stdin.write(KEY.escape);
      await frameWhere(r, (f) => f.includes("SERVICE"), "the table again");

      // Restart through the UI: the daemon's restart counter moves.
      r.stdin.write("r");
      await frameWhere(r, (f) => f.includes("Restart demo?"), "the restart question");
      r.stdin.write("y");
      await frameWhere(r, (f) => f.includes("restart of demo requested"), "the restart to be accepted");

      // The daemon goes away: the view says so instead of crashing...
      await daemon.stop();
      f = await frameWhere(r, (f) => f.includes("daemon not reachable — retrying"), "the not-reachable banner");
      expect(tableNames(f)).toEqual(["demo"]);

      // ...and picks the new daemon up when it is back.
      await daemon.start();
      f = await frameWhere(r, (f) => !f.includes("not reachable") && tableNames(f).includes("demo"), "the view after the daemon came back");
      r.unmount();
    },
    { timeout: 90_000 },
  );
});
