import { afterEach, describe, expect, test } from "bun:test";
import { cleanup, render } from "ink-testing-library";
import { App } from "../../src/tui/App.tsx";
import { waitFor } from "../helpers/net.ts";
import { daemonStatus, FakeControlClient, fleet, service } from "./fakes.ts";
import { frameWhere, KEY, tableNames } from "./ink.ts";

afterEach(cleanup);

const SIZE = { columns: 80, rows: 24 };
/** Quick retries, so reconnect tests take milliseconds. */
const FAST = { baseMs: 10, capMs: 40 };

function app(client: FakeControlClient, size = SIZE) {
  return render(<App client={client} size={size} stream={FAST} />);
}

/** Ink reads keys asynchronously; type them one at a time, each after the last took effect. */
async function type(r: ReturnType<typeof render>, keys: string[], until?: (f: string) => boolean) {
  for (const k of keys) {
    const before = r.frames.length;
    r.stdin.write(k);
    await waitFor(() => r.frames.length > before, { timeoutMs: 2000, what: `a frame after ${JSON.stringify(k)}` }).catch(() => {});
  }
  if (until) return frameWhere(r, until);
}

describe("the health view", () => {
  test("300 services at 80×24: exactly one screen, and the selection scrolls the table", async () => {
    const client = new FakeControlClient(daemonStatus(fleet(300)));
    const r = app(client);
    let f = await frameWhere(r, (f) => f.includes("svc-000"));
    let rows = f.split("\n");
    expect(rows).toHaveLength(24);
    for (const l of rows) expect(l.length).toBeLessThanOrEqual(80);
    expect(tableNames(f)).toHaveLength(19);
    expect(f).toContain("rows 1–19 of 300");

    f = (await type(r, Array(25).fill("j"), (f) => f.includes("> svc-025")))!;
    rows = f.split("\n");
    expect(rows).toHaveLength(24);
    expect(f).not.toContain("svc-000");
    expect(f).toContain("rows 8–26 of 300");
    expect(tableNames(f)).toEqual(Array.from({ length: 19 }, (_, i) => `svc-${String(i + 7).padStart(3, "0")}`));

    // Key repeat delivers several presses in one read.
    f = (await type(r, ["jjj"], (f) => f.includes("> svc-028")))!;
    f = (await type(r, ["G"], (f) => f.includes("> svc-299")))!;
    expect(f).toContain("rows 282–300 of 300");
  });

  test("small and narrow terminals: never more lines or columns than the terminal has", async () => {
    const client = new FakeControlClient(daemonStatus([service("a-service-with-a-long-name", { lastError: "boom ".repeat(40) }), ...fleet(300)]));
    for (const size of [{ columns: 40, rows: 12 }, { columns: 60, rows: 20 }, { columns: 132, rows: 50 }]) {
      const r = app(client, size);
      const f = await frameWhere(r, (f) => f.includes("svc-000"));
      const rows = f.split("\n");
      expect(rows).toHaveLength(size.rows);
      for (const l of rows) expect(l.length).toBeLessThanOrEqual(size.columns);
      expect(tableNames(f)).toHaveLength(size.rows - 5);
      r.unmount();
    }
  });

  test("at 80 columns the selected service's last error, which has no column there, shows on the status line", async () => {
    const client = new FakeControlClient(daemonStatus([service("figma", { lastError: "Error: upstream 502 Bad Gateway" }), service("github"), service("slack", { lastExit: "exit code 1" })]));
    const r = app(client);
    let f = await frameWhere(r, (f) => f.includes("> figma"));
    expect(f).not.toContain("LAST ERROR");
    expect(f.split("\n")[2]).toBe("sort: name  rows 1–3 of 3  figma: upstream 502 Bad Gateway");
    f = (await type(r, ["j"], (f) => f.includes("> github")))!;
    expect(f.split("\n")[2]).toBe("sort: name  rows 1–3 of 3");
    f = (await type(r, ["j"], (f) => f.includes("> slack")))!;
    expect(f.split("\n")[2]).toBe("sort: name  rows 1–3 of 3  slack: exit code 1");
    // Wide enough for the column: the table says it, the status line does not repeat it.
    r.unmount();
    const wide = app(client, { columns: 132, rows: 24 });
    f = await frameWhere(wide, (f) => f.includes("> figma"));
    expect(f).toContain("LAST ERROR");
    expect(f.split("\n")[2]).toBe("sort: name  rows 1–3 of 3");
  });

  test("/ filters by name as you type; esc clears it", async () => {
    const client = new FakeControlClient(daemonStatus([service("figma"), service("github"), service("slack"), ...fleet(30)]));
    const r = app(client);
    await frameWhere(r, (f) => f.includes("figma"));
    let f = (await type(r, ["/", "G", "i", KEY.backspace], (f) => f.includes("/G ") && !f.includes("slack")))!;
    expect(f).toContain("2 of 33 match");
    f = (await type(r, [KEY.enter], (f) => f.includes("filter: /G")))!;
    expect(tableNames(f)).toEqual(["figma", "github"]);
    f = (await type(r, [KEY.escape], (f) => f.includes("slack")))!;
    expect(f).toContain("rows 1–19 of 33");
  });

  test("s changes the sort; by state a crash loop comes first", async () => {
    const client = new FakeControlClient(
      daemonStatus([service("alpha"), service("omega", { state: "backing-off", crashLoop: true }), service("mid", { state: "unhealthy" })]),
    );
    const r = app(client);
    await frameWhere(r, (f) => f.includes("> alpha"));
    const f = (await type(r, ["s"], (f) => f.includes("sort: state")))!;
    expect(tableNames(f)).toEqual(["omega", "mid", "alpha"]);
    // The selection stays on the service it was on, wherever sorting moved it.
    expect(f).toContain("> alpha");
  });

  test("r asks to confirm; y restarts that service, n does not", async () => {
    const client = new FakeControlClient(daemonStatus([service("figma"), service("github")]));
    const r = app(client);
    await frameWhere(r, (f) => f.includes("github"));
    await type(r, ["j", "r"], (f) => f.includes("Restart github? y = yes"));
    await type(r, ["n"], (f) => f.includes("sort: name"));
    expect(client.restarts).toEqual([]);
    await type(r, ["r"], (f) => f.includes("Restart github?"));
    await type(r, ["y"], (f) => f.includes("restart of github requested"));
    expect(client.restarts).toEqual(["github"]);
  });

  test("at the restart question enter, or a pasted line ending in enter, restarts nothing", async () => {
    const client = new FakeControlClient(daemonStatus([service("figma"), service("github")]));
    const r = app(client);
    await frameWhere(r, (f) => f.includes("github"));
    await type(r, ["j", "r"], (f) => f.includes("Restart github? y = yes"));
    r.stdin.write(KEY.enter);
    r.stdin.write("ok" + KEY.enter);
    // Keys are read in order: had enter said yes, the restart would be asked for before n is read.
    await type(r, ["n"], (f) => f.includes("sort: name"));
    expect(client.restarts).toEqual([]);
  });

  test("under mcpd start --tui, q asks before it stops the daemon", async () => {
    const client = new FakeControlClient(daemonStatus([service("demo")]));
    const r = render(<App client={client} size={SIZE} stream={FAST} quitStopsDaemon />);
    await frameWhere(r, (f) => f.includes("demo"));
    let f = (await type(r, ["q"], (f) => f.includes("Quit and stop mcpd, every service with it? y = yes · n/esc = no")))!;
    expect(f.split("\n").at(-1)).toBe("y stop mcpd and quit  n/esc cancel");
    await type(r, [KEY.enter, KEY.escape], (f) => f.includes("sort: name"));
    expect(client.subscribers.size).toBe(1);
    await type(r, ["q"], (f) => f.includes("Quit and stop mcpd"));
    r.stdin.write("y");
    await waitFor(() => client.subscribers.size === 0, { what: "the view to close on y" });
  });

  test("esc in the log goes back to the screen it was opened from", async () => {
    const client = new FakeControlClient(daemonStatus([service("demo")]));
    client.logs.set("demo", ["GET /health 200"]);
    const r = app(client);
    await frameWhere(r, (f) => f.includes("demo"));
    await type(r, [KEY.enter], (f) => f.includes("esc back  r restart  l log"));
    await type(r, ["l"], (f) => f.includes("log: demo (following)"));
    await type(r, [KEY.escape], (f) => f.includes("Recent changes") && f.includes("esc back  r restart  l log"));
    await type(r, [KEY.escape], (f) => f.includes("SERVICE"));
    await type(r, ["l"], (f) => f.includes("log: demo (following)"));
    await type(r, [KEY.escape], (f) => f.includes("SERVICE"));
  });

  test("enter shows the detail pane with state changes and log; l follows the log", async () => {
    const client = new FakeControlClient(daemonStatus([service("demo", { title: "Demo (offline)", port: 49170 })]));
    client.history.push({ ts: Date.now() - 1000, service: "demo", from: "starting", to: "healthy", reason: "health probe ok" });
    client.logs.set("demo", ["listening on 127.0.0.1:49170", "GET /health 200"]);
    const r = app(client);
    await frameWhere(r, (f) => f.includes("demo"));
    let f = (await type(r, [KEY.enter], (f) => f.includes("health probe ok") && f.includes("GET /health 200")))!;
    expect(f).toContain("demo · Demo (offline)  healthy");
    expect(f).toContain("port 49170");
    expect(f).toContain("esc back");
    f = (await type(r, ["l"], (f) => f.includes("log: demo (following)")))!;
    client.logs.get("demo")!.push("a new line");
    f = await frameWhere(r, (f) => f.includes("a new line"), "the followed log to show a new line");
    await type(r, [KEY.escape], (f) => f.includes("Recent changes"));
    await type(r, [KEY.escape], (f) => f.includes("SERVICE"));
  });

  test("daemon not running: says so and keeps retrying, then shows it when it comes up", async () => {
    const client = new FakeControlClient(daemonStatus([service("demo")]));
    client.refuse = new Error("connect ENOENT /tmp/data/mcpd.sock");
    const r = app(client);
    let f = await frameWhere(r, (f) => f.includes("daemon not reachable — retrying"));
    expect(f).toContain("ENOENT");
    expect(f).toContain("waiting for the daemon");
    expect(f.split("\n")).toHaveLength(24);
    await waitFor(() => client.subscribeCalls >= 3, { what: "several reconnect attempts" });
    client.refuse = null;
    f = await frameWhere(r, (f) => f.includes("demo") && f.includes("sort: name"), "the table after the daemon came up");
    expect(f).not.toContain("not reachable");
  });

  test("daemon goes away: the last numbers stay, marked stale, until it is back", async () => {
    const client = new FakeControlClient(daemonStatus([service("demo")]));
    const r = app(client);
    await frameWhere(r, (f) => f.includes("demo") && f.includes("sort: name"));
    client.refuse = new Error("connection closed");
    client.breakFeed();
    const f = await frameWhere(r, (f) => f.includes("daemon not reachable"));
    expect(f).toContain("demo");
    expect(f).toContain("services 1/1 healthy");
    expect(f).toMatch(/\(as of \d+s ago\)/);
    client.refuse = null;
    client.current = daemonStatus([service("demo"), service("newcomer")]);
    await frameWhere(r, (f) => f.includes("newcomer") && !f.includes("not reachable"), "the view after reconnecting");
  });

  test("live updates replace the rows in place", async () => {
    const client = new FakeControlClient(daemonStatus([service("demo")]));
    const r = app(client);
    await frameWhere(r, (f) => f.includes("demo"));
    client.push(daemonStatus([service("demo", { state: "restarting", restarts: 1 })]));
    const f = await frameWhere(r, (f) => f.includes("restarting"));
    expect(f.split("\n")).toHaveLength(24);
  });

  test("q quits and closes the subscription", async () => {
    const client = new FakeControlClient(daemonStatus([service("demo")]));
    const r = app(client);
    await frameWhere(r, (f) => f.includes("demo"));
    expect(client.subscribers.size).toBe(1);
    r.stdin.write("q");
    await waitFor(() => client.subscribers.size === 0, { what: "the subscription to close" });
  });
});
