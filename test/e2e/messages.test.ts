// What a self-hoster reads when a command fails or points elsewhere, through the compiled
// binary run from directories that have nothing to do with the source tree.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { shellWord } from "../../src/cli/output.ts";
import { compiledMcpd, runCompiled } from "../helpers/compiled.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { tempDir } from "../helpers/tmp.ts";

const ROOT = join(import.meta.dir, "../..");
let tmp: ReturnType<typeof tempDir>;
let bin: string;
const pids: number[] = [];

beforeAll(async () => {
  tmp = tempDir("mcpd-messages");
  bin = await compiledMcpd();
}, 60_000);

afterAll(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  tmp?.cleanup();
});

const run = (cwd: string, args: string[], stdin?: string) => runCompiled(bin, cwd, args, stdin);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test("each argument error is one stderr line that names the help to read", async () => {
  const cwd = join(tmp.dir, "args");
  cpSync(join(ROOT, "mcp-ports/demo"), join(cwd, "mcp-ports", "demo"), { recursive: true });
  const cases: Array<[string[], string]> = [
    [["user", "add"], "mcpd: required option '--service <name>' not specified (see: mcpd user add --help)\n"],
    [["frobnicate"], "mcpd: unknown command 'frobnicate' (see: mcpd --help)\n"],
    [["strat"], "mcpd: unknown command 'strat'; did you mean start? (see: mcpd --help)\n"],
    [["user", "remove"], "mcpd: missing required argument 'user' (see: mcpd user remove --help)\n"],
    [["user", "add", "--service", "demo", "--bogus"], "mcpd: unknown option '--bogus' (see: mcpd user add --help)\n"],
    [["start", "--port"], "mcpd: option '--port <port>' argument missing (see: mcpd start --help)\n"],
    [["restart", "a", "b"], "mcpd: too many arguments for 'restart'. Expected 1 argument but got 2: a, b (see: mcpd restart --help)\n"],
    [["user"], "mcpd: user: give a command: add, list, remove (see: mcpd user --help)\n"],
  ];
  for (const [args, line] of cases) {
    const r = await run(cwd, args);
    expect({ args, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ args, code: 1, stderr: line, stdout: "" });
  }
  // Bare mcpd: one line too, listing the commands (help is one --help away).
  const bare = await run(cwd, []);
  expect(bare.code).toBe(1);
  expect(bare.stderr).toMatch(/^mcpd: give a command: services, user, .*start, stop.* \(see: mcpd --help\)\n$/);
  // Asking for help is not an error: the whole text, on stdout.
  const help = await run(cwd, ["user", "add", "--help"]);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain("Usage: mcpd user add [options]");
}, 60_000);

test("the --detach hint, run as printed from another directory, stops that daemon and no other", async () => {
  const site = join(tmp.dir, "site");
  const elsewhere = join(tmp.dir, "elsewhere");
  mkdirSync(join(site, "ports"), { recursive: true });
  mkdirSync(join(elsewhere, "ports"), { recursive: true });

  // A second daemon whose ./data is the default where the hint is run: a bare `mcpd stop` there would stop it.
  const other = await run(elsewhere, ["--ports", "ports", "start", "--detach", "--port", String(await freePort())]);
  expect(other.code).toBe(0);
  const otherPid = Number(/\(pid (\d+)\)/.exec(other.stdout)![1]);
  pids.push(otherPid);

  const started = await run(site, ["--data", "data", "--ports", "ports", "start", "--detach", "--port", String(await freePort())]);
  expect(started.stderr).toBe("");
  expect(started.code).toBe(0);
  const pid = Number(/\(pid (\d+)\)/.exec(started.stdout)![1]);
  pids.push(pid);
  const logFile = join(site, "data", "logs", "mcpd.log");
  expect(started.stdout).toContain(`its output goes to ${logFile}`);
  expect(existsSync(logFile)).toBe(true);
  const hint = /^stop it with: (mcpd .*)$/m.exec(started.stdout)![1]!;
  expect(hint).toBe(`mcpd --data ${join(site, "data")} stop`);

  const stop = Bun.spawn(["sh", "-c", hint.replace(/^mcpd /, `${shellWord(bin)} `)], { cwd: elsewhere, stdout: "pipe", stderr: "pipe" });
  const [out, code] = await Promise.all([new Response(stop.stdout).text(), stop.exited]);
  expect(code).toBe(0);
  expect(out).toBe(`mcpd stopped (pid ${pid})\n`);
  await waitFor(() => !alive(pid), { what: "the detached daemon to exit" });
  expect(alive(otherPid)).toBe(true);
  expect(readFileSync(logFile, "utf8")).toContain("mcpd");

  expect((await run(elsewhere, ["stop"])).stdout).toBe(`mcpd stopped (pid ${otherPid})\n`);
}, 90_000);

test("stop with nothing running says so and exits 0; --strict fails", async () => {
  const cwd = join(tmp.dir, "idle");
  mkdirSync(join(cwd, "data"), { recursive: true });
  const socket = join(cwd, "data", "mcpd.sock");
  const r = await run(cwd, ["stop"]);
  expect(r).toEqual({ code: 0, stdout: `mcpd is not running (no control socket at ${socket}); nothing to stop\n`, stderr: "" });
  const strict = await run(cwd, ["stop", "--strict"]);
  expect(strict).toEqual({ code: 1, stdout: "", stderr: `mcpd: mcpd is not running (no control socket at ${socket})\n` });
}, 30_000);

test("user list where there is no mcpd data says so, not that there are no users", async () => {
  const cwd = join(tmp.dir, "nodata");
  mkdirSync(cwd);
  const r = await run(cwd, ["user", "list"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe(`no mcpd data in ${join(cwd, "data")} (no mcpd.db): run where mcpd was started, or pass --data DIR / MCPD_DATA\n`);
  // Scripts still get the stable shape.
  expect((await run(cwd, ["user", "list", "--json"])).stdout).toBe("[]\n");
}, 30_000);
