// End to end: `mcpd tui` in a real terminal (tmux, 80×24) against a real daemon,
// pressing keys and reading the screen as a person would.
import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MCPD_FROM_SOURCE, runCli } from "../helpers/cli.ts";
import { waitFor } from "../helpers/net.ts";
import { tempDir } from "../helpers/tmp.ts";
import { VERSION } from "../../src/version.ts";
import { demoDaemon, IDLE_SERVICE, type TestDaemon } from "./daemon.ts";
import { selectedRow, tableNames, tableRow } from "./ink.ts";
import { isAlive } from "../helpers/process.ts";

/** Set to a file name to keep the 80×24 screen of the table (the README's capture). */
const CAPTURE_FILE = process.env.MCPD_TUI_CAPTURE;

// Our own tmux server, so the test never touches a user's sessions.
const TMUX_SERVER = `mcpd-tui-test-${process.pid}`;
const TMUX = ["tmux", "-L", TMUX_SERVER];
let daemon: TestDaemon | null = null;

afterEach(async () => {
  Bun.spawnSync([...TMUX, "kill-server"], { stderr: "ignore", stdout: "ignore" });
  // kill-server can leave the server's socket file behind.
  rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, TMUX_SERVER), { force: true });
  await daemon?.cleanup();
  daemon = null;
});

function tmux(...args: string[]): string {
  const r = Bun.spawnSync([...TMUX, ...args], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
}

/** The pane as text, one entry per terminal row. */
const screen = () => tmux("capture-pane", "-p", "-t", "tui").replace(/\n$/, "");
/** Screens that need the daemon (boot, restart, reconnect) get this long on a busy 2-core box. */
const DAEMON_WAIT_MS = 45_000;
const KEY_WAIT_MS = 15_000;
/** Waits (bounded) for a screen that satisfies `check`; on timeout the error shows the screen it was stuck on. */
async function screenWhere(check: (s: string) => boolean, what: string, timeoutMs = KEY_WAIT_MS): Promise<string> {
  try {
    return await waitFor(
      () => {
        const s = screen();
        return check(s) ? s : null;
      },
      { timeoutMs, intervalMs: 50, what },
    );
  } catch (e) {
    let last: string;
    try {
      last = screen();
    } catch (err) {
      last = String(err);
    }
    throw new Error(`${(e as Error).message}; the screen was:\n${last}`);
  }
}
/**
 * An 80×24 session running `cmd`. CI=true is set on purpose: CI runners set it, and Ink
 * then draws nothing until exit unless the view asks for a terminal's rendering itself.
 */
function newSession(cmd: string): void {
  tmux("new-session", "-d", "-x", "80", "-y", "24", "-e", "CI=true", "-s", "tui", cmd);
}
const press = (...keys: string[]) => tmux("send-keys", "-t", "tui", ...keys);
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const demoRow = (s: string) => tableRow(s, "demo");
const healthyDemo = (s: string) => demoRow(s)?.STATE === "healthy";
const TABLE_FOOTER = "↑↓/jk select  enter detail  r restart  l log  / filter  s sort  q quit";

test(
  "mcpd tui in an 80×24 terminal: the demo service healthy; select, detail, log, filter, sort, restart, reconnect, quit",
  async () => {
    daemon = await demoDaemon({ idle: true });
    const first = (await daemon.start()).services.find((s) => s.name === "demo")!;
    await daemon.addUser("alice");
    await daemon.addUser("bob");
    const cmd = [...MCPD_FROM_SOURCE, "tui", "--data", daemon.dataDir, "--ports", daemon.portsDir].map(shellQuote).join(" ");
    newSession(cmd);

    let s = await screenWhere((s) => healthyDemo(s) && s.includes("users 2"), "the demo row, healthy, with two users", DAEMON_WAIT_MS);
    // Exactly the terminal: 24 rows, none wider than 80, the footer on the last one.
    const rows = s.split("\n");
    expect(rows).toHaveLength(24);
    for (const row of rows) expect(row.length).toBeLessThanOrEqual(80);
    expect(rows[0]).toStartWith(`mcpd ${VERSION}  http://127.0.0.1:${daemon.proxyPort}  up `);
    expect(rows[1]).toBe("services 2/2 healthy  users 2  instances 2  req/s 0");
    expect(rows[23]).toBe(TABLE_FOOTER);
    expect(rows[3]).toMatch(/^ {2}SERVICE\s+STATE\s+PORT\s+PID\s+UP\s+RST\s+USERS\s+REQ\/S\s+ERR%\s+P50\s+P99$/);
    expect(demoRow(s)).toMatchObject({ PORT: String(daemon.servicePort), PID: String(first.pid), RST: "0", USERS: "2" });
    expect(tableRow(s, IDLE_SERVICE)).toMatchObject({ STATE: "idle", PID: "-" });
    expect(selectedRow(s)).toBe("demo");
    if (CAPTURE_FILE) writeFileSync(CAPTURE_FILE, s + "\n");

    press("j");
    await screenWhere((s) => selectedRow(s) === IDLE_SERVICE, "j to select the next row");
    press("Up");
    await screenWhere((s) => selectedRow(s) === "demo", "↑ to select the previous row");

    press("Enter");
    s = await screenWhere((s) => s.includes("Recent changes") && !s.includes("loading…") && s.includes("builtin demo serving"), "the detail pane");
    expect(s).toContain("demo · Demo (offline)  healthy");
    expect(s).toContain(`port ${daemon.servicePort} · streamable-http · start boot · prefix demo`);
    expect(s).toContain("run builtin demo · key in header X-Demo-Key (checked locally)");
    expect(s).toContain(`pid ${first.pid} · up `);
    expect(s).toMatch(new RegExp(`starting → healthy\\s+answering on port ${daemon.servicePort}`));
    expect(s.split("\n")[23]).toBe("esc back  r restart  l log  q quit");
    press("Escape");
    await screenWhere((s) => s.includes(TABLE_FOOTER), "the table again");

    press("l");
    await screenWhere((s) => s.includes("log: demo (following)") && s.includes(`started pid ${first.pid}`), "the followed log");
    press("Escape");
    await screenWhere((s) => s.includes(TABLE_FOOTER), "the table after the log");

    press("/", "z", "z");
    s = await screenWhere((s) => s.includes("no service matches /zz"), "an empty filter result");
    expect(s).toContain("0 of 2 match");
    press("Escape");
    s = await screenWhere((s) => tableNames(s).length === 2, "both rows back after clearing the filter");

    press("s");
    s = await screenWhere((s) => s.includes("sort: state"), "the state sort");
    expect(tableNames(s)).toEqual([IDLE_SERVICE, "demo"]);

    press("r");
    await screenWhere((s) => s.includes("Restart demo? y = yes · n/esc = no"), "the restart question");
    // Enter is not yes. Keys are read in order, so had it restarted the service, the
    // status line would say "restarting demo…" (for seconds) where it says the sort after n.
    press("Enter");
    press("n");
    await screenWhere((s) => s.includes("sort: state"), "the question gone after enter and n");
    expect(await daemon.demo()).toMatchObject({ pid: first.pid, restarts: 0 });
    press("r");
    await screenWhere((s) => s.includes("Restart demo?"), "the restart question again");
    press("y");
    await screenWhere((s) => s.includes("restart of demo requested"), "the restart to be accepted", DAEMON_WAIT_MS);
    const restarted = await daemon.demoWhere((x) => x.state === "healthy" && x.pid !== first.pid, "the demo service healthy with a new pid");
    s = await screenWhere((s) => healthyDemo(s) && demoRow(s)?.PID === String(restarted.pid), "the new pid on screen", DAEMON_WAIT_MS);
    expect(demoRow(s)!.RST).toBe("1");

    // The daemon goes away: the view says so and keeps the last rows...
    await daemon.stop();
    s = await screenWhere((s) => s.includes("daemon not reachable — retrying"), "the not-reachable line", DAEMON_WAIT_MS);
    expect(demoRow(s)?.PID).toBe(String(restarted.pid));
    // ...and reconnects when it is back.
    const back = (await daemon.start()).services.find((x) => x.name === "demo")!;
    await screenWhere((s) => !s.includes("not reachable") && healthyDemo(s) && demoRow(s)?.PID === String(back.pid), "the view after the daemon came back", DAEMON_WAIT_MS);

    press("q");
    await waitFor(() => Bun.spawnSync([...TMUX, "has-session", "-t", "tui"], { stderr: "ignore" }).exitCode !== 0, { timeoutMs: 10_000, what: "mcpd tui to exit on q" });
  },
  { timeout: 240_000 },
);

test(
  "mcpd start --tui: the same view in the foreground; q asks, then y quits it and stops the daemon and its children",
  async () => {
    daemon = await demoDaemon();
    const cmd = [...MCPD_FROM_SOURCE, "start", "--tui", "--data", daemon.dataDir, "--ports", daemon.portsDir, "--port", String(daemon.proxyPort)];
    const env = `MCPD_MASTER_KEY=${shellQuote(daemon.env.MCPD_MASTER_KEY!)}`;
    newSession(`env ${env} ${cmd.map(shellQuote).join(" ")}`);

    const s = await screenWhere((s) => healthyDemo(s) && demoRow(s)?.PID !== "-", "the demo row, healthy, in mcpd start --tui", DAEMON_WAIT_MS);
    expect(s.split("\n")[0]).toStartWith(`mcpd ${VERSION}  http://127.0.0.1:${daemon.proxyPort}  up `);
    expect(s.split("\n")[23]).toBe(TABLE_FOOTER);
    const pid = Number(demoRow(s)!.PID);
    expect((await daemon.demo()).pid).toBe(pid);

    // q would stop every service for every user: it asks, and only y answers yes.
    press("q");
    const asked = await screenWhere((s) => s.includes("Quit and stop mcpd, every service with it? y = yes · n/esc = no"), "the quit question");
    expect(asked.split("\n")[23]).toBe("y stop mcpd and quit  n/esc cancel");
    press("Enter");
    press("Escape");
    await screenWhere((s) => s.split("\n")[23] === TABLE_FOOTER, "the table again after enter and esc");
    expect((await daemon.demo()).pid).toBe(pid);
    press("q");
    await screenWhere((s) => s.includes("Quit and stop mcpd"), "the quit question again");
    press("y");
    await waitFor(() => Bun.spawnSync([...TMUX, "has-session", "-t", "tui"], { stderr: "ignore" }).exitCode !== 0, { timeoutMs: 30_000, what: "mcpd start --tui to exit on q, y" });
    await waitFor(() => !isAlive(pid), { timeoutMs: 15_000, what: `the demo child (pid ${pid}) to be gone` });
  },
  { timeout: 120_000 },
);


/**
 * `mcpd start --tui` for `d` in the tui session, its exit status written to `exitFile` by
 * the pane's shell (which reaps it; tmux may not). Resolves once the demo row is healthy.
 */
async function startTuiDaemon(d: TestDaemon, exitFile: string): Promise<{ daemonPid: number; demoPid: number }> {
  const cmd = [...MCPD_FROM_SOURCE, "start", "--tui", "--data", d.dataDir, "--ports", d.portsDir, "--port", String(d.proxyPort)];
  newSession(`env MCPD_MASTER_KEY=${shellQuote(d.env.MCPD_MASTER_KEY!)} ${cmd.map(shellQuote).join(" ")}; echo $? > ${shellQuote(exitFile)}; sleep 60`);
  const s = await screenWhere((s) => healthyDemo(s) && demoRow(s)?.PID !== "-", "the demo row, healthy, in mcpd start --tui", DAEMON_WAIT_MS);
  return { daemonPid: (await d.status()).pid, demoPid: Number(demoRow(s)!.PID) };
}

test(
  "mcpd start --tui ends with its terminal (SIGHUP) and with `mcpd stop` from another shell, leaving no process behind",
  async () => {
    daemon = await demoDaemon();
    const exitFile = join(daemon.dataDir, "..", "tui-exit");
    // The terminal window is closed: tmux hangs up on the pane.
    let pids = await startTuiDaemon(daemon, exitFile);
    tmux("kill-session", "-t", "tui");
    await waitFor(() => !isAlive(pids.daemonPid) && !isAlive(pids.demoPid), { timeoutMs: 30_000, what: "mcpd start --tui and its demo child to exit after SIGHUP" });

    // Stopped from elsewhere: the view closes and the command exits 0.
    pids = await startTuiDaemon(daemon, exitFile);
    const stopped = await runCli(["stop", "--data", daemon.dataDir]);
    expect({ code: stopped.code, out: stopped.stdout }).toEqual({ code: 0, out: `mcpd stopped (pid ${pids.daemonPid})\n` });
    const code = await waitFor(() => (existsSync(exitFile) ? readFileSync(exitFile, "utf8").trim() : null), { timeoutMs: 30_000, what: "mcpd start --tui to exit after mcpd stop" });
    expect(code).toBe("0");
    expect(isAlive(pids.demoPid)).toBe(false);
  },
  { timeout: 150_000 },
);

test("mcpd tui without a terminal and without a daemon: one line, non-zero", async () => {
  const tmp = tempDir("mcpd-tui-notty");
  try {
    const r = await runCli(["tui", "--data", tmp.dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("no mcpd daemon is answering");
  } finally {
    tmp.cleanup();
  }
});
