// End to end: `mcpd tui` in a real terminal (tmux, 80×24) against a real daemon,
// pressing keys and reading the screen as a person would.
import { afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { MCPD_FROM_SOURCE, runCli } from "../helpers/cli.ts";
import { waitFor } from "../helpers/net.ts";
import { tempDir } from "../helpers/tmp.ts";
import { demoDaemon, type TestDaemon } from "./daemon.ts";

/** Where the README's 80×24 capture is written. */
const CAPTURE_FILE = process.env.MCPD_TUI_CAPTURE ?? "/tmp/tui-80x24.txt";

// Our own tmux server, so the test never touches a user's sessions.
const TMUX = ["tmux", "-L", `mcpd-tui-test-${process.pid}`];
let daemon: TestDaemon | null = null;

afterEach(async () => {
  Bun.spawnSync([...TMUX, "kill-server"], { stderr: "ignore", stdout: "ignore" });
  await daemon?.cleanup();
  daemon = null;
});

function tmux(...args: string[]): string {
  const r = Bun.spawnSync([...TMUX, ...args], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString();
}

const screen = () => tmux("capture-pane", "-p", "-t", "tui");
const screenWhere = (check: (s: string) => boolean, what: string) => waitFor(() => (check(screen()) ? screen() : null), { timeoutMs: 15_000, what });
const press = (...keys: string[]) => tmux("send-keys", "-t", "tui", ...keys);
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

test(
  "mcpd tui in an 80×24 terminal: table, detail, filter, restart, quit",
  async () => {
    daemon = await demoDaemon();
    await daemon.start();
    const cmd = [...MCPD_FROM_SOURCE, "tui", "--data", daemon.dataDir, "--ports", daemon.portsDir].map(shellQuote).join(" ");
    tmux("new-session", "-d", "-x", "80", "-y", "24", "-s", "tui", cmd);

    let s = await screenWhere((s) => /> demo\s+\S/.test(s), "the demo row");
    expect(s).toContain(`http://127.0.0.1:${daemon.proxyPort}`);
    expect(s).toContain("↑↓/jk select  enter detail  r restart  l log  / filter  s sort  q quit");
    expect(s.trimEnd().split("\n").length).toBeLessThanOrEqual(24);
    writeFileSync(CAPTURE_FILE, s);

    press("Enter");
    s = await screenWhere((s) => s.includes("Recent changes"), "the detail pane");
    expect(s).toContain(`port ${daemon.servicePort}`);
    press("Escape");
    await screenWhere((s) => s.includes("SERVICE"), "the table again");

    press("/", "z", "z");
    await screenWhere((s) => s.includes("no service matches /zz"), "an empty filter result");
    press("Escape");
    await screenWhere((s) => /> demo\s+\S/.test(s), "the row back after clearing the filter");

    press("s");
    await screenWhere((s) => s.includes("sort: state"), "the next sort mode");

    press("r");
    await screenWhere((s) => s.includes("Restart demo? y = yes"), "the restart question");
    press("y");
    await screenWhere((s) => s.includes("restart of demo requested"), "the restart to be accepted");

    press("q");
    await waitFor(() => Bun.spawnSync([...TMUX, "has-session", "-t", "tui"], { stderr: "ignore" }).exitCode !== 0, { timeoutMs: 10_000, what: "mcpd tui to exit on q" });
  },
  { timeout: 90_000 },
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
