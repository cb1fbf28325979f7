import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { Service } from "../registry/schema.ts";
import { signalGroup } from "../util/processGroup.ts";
import { createLineFramer } from "./lineFramer.ts";
import { isJsonRpcMessage, type JsonRpcMessage } from "./jsonrpc.ts";
import { clip, type LogLine } from "./serviceLog.ts";

/** SIGKILL after this long: some servers ignore SIGTERM while a request is in flight. */
export const STOP_GRACE_MS = 3_000;

export interface ChildExit {
  code: number | null;
  signal: string | null;
}

/** One running stdio MCP server, in its own process group, spoken to in JSON lines. */
export interface StdioChild {
  readonly pid: number;
  readonly startedAt: number;
  readonly exited: Promise<ChildExit>;
  /** false once the process has exited */
  readonly alive: boolean;
  send(msg: JsonRpcMessage): void;
  /** SIGTERM to the group, then SIGKILL after STOP_GRACE_MS; resolves when it is gone. `why` goes to the log. */
  stop(why: string, graceMs?: number): Promise<ChildExit>;
  rssBytes(): number;
}

export interface SpawnOptions {
  service: Service;
  /** run.command with the user's non-secret values in place (childArgv) */
  argv?: string[];
  env: Record<string, string>;
  log: LogLine;
  now: () => number;
  onMessage(msg: JsonRpcMessage): void;
  onExit(exit: ChildExit): void;
}

export function spawnChild(opts: SpawnOptions): StdioChild {
  const { service } = opts;
  if (!("command" in opts.service.run)) throw new Error(`service ${service.name} has no run.command`);
  const run = service.run as { command: string[]; cwd: string };
  const cwd = isAbsolute(run.cwd) ? run.cwd : resolve(service.dir, run.cwd);
  const log = opts.log;

  let proc: Bun.Subprocess<"pipe", "pipe", "pipe">;
  try {
    proc = Bun.spawn(opts.argv ?? run.command, {
      cwd,
      env: opts.env,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
      // Its own process group, so stop() reaches whatever the command started (npx → node).
      detached: true,
    });
  } catch (e) {
    // No process, so nothing else will ever write to the log: say here what was tried.
    throw new SpawnError(opts.argv ?? run.command, cwd, e as Error);
  }
  const pid = proc.pid;
  const tag = `[${service.name} pid ${pid}]`;
  let alive = true;

  const framer = createLineFramer((line) => {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      msg = undefined;
    }
    // Banners, stray prints, `[1,2,3]`: the log keeps them, no client ever sees them.
    if (!isJsonRpcMessage(msg)) return log(`${tag} stdout (not JSON-RPC): ${clip(line)}`);
    opts.onMessage(msg);
  });
  const pump = async (stream: ReadableStream<Uint8Array>, onChunk: (c: Uint8Array) => void) => {
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        onChunk(value);
      }
    } catch {
      // The pipe closes when the child dies; exit handling reports that.
    }
  };
  const stdoutDone = pump(proc.stdout, (c) => framer.push(c)).then(() => framer.end());
  const stderrFramer = createLineFramer((line) => log(`${tag} ${line}`));
  const stderrDone = pump(proc.stderr, (c) => stderrFramer.push(c)).then(() => stderrFramer.end());

  const exited: Promise<ChildExit> = proc.exited.then(async () => {
    alive = false;
    // Let responses already written before the exit reach their callers first.
    await Promise.all([stdoutDone, stderrDone]);
    const exit: ChildExit = { code: proc.exitCode, signal: proc.signalCode === null ? null : String(proc.signalCode) };
    log(`${tag} exited (${describeExit(exit)})`);
    opts.onExit(exit);
    return exit;
  });
  log(`${tag} started`);

  const signal = (sig: NodeJS.Signals) => signalGroup(pid, proc, sig);

  return {
    pid,
    startedAt: opts.now(),
    exited,
    get alive() {
      return alive;
    },
    send(msg) {
      if (!alive) throw new Error(`the ${service.name} server is not running`);
      proc.stdin.write(`${JSON.stringify(msg)}\n`);
      proc.stdin.flush();
    },
    async stop(why, graceMs = STOP_GRACE_MS) {
      if (alive) {
        log(`${tag} stopping: ${why}`);
        try {
          proc.stdin.end();
        } catch {
          // stdin already closed
        }
        signal("SIGTERM");
        const timer = setTimeout(() => signal("SIGKILL"), graceMs);
        timer.unref?.();
        const exit = await exited;
        clearTimeout(timer);
        // The leader may be gone while something it started still holds the group.
        signal("SIGKILL");
        return exit;
      }
      return exited;
    },
    rssBytes() {
      return alive ? readRss(pid) : 0;
    },
  };
}

/** The command could not be started at all (not found, not executable, no such cwd). */
export class SpawnError extends Error {
  constructor(command: string[], cwd: string, cause: Error & { code?: string }) {
    const code = cause.code && !cause.message.includes(cause.code) ? ` (${cause.code})` : "";
    super(`could not run \`${command.join(" ")}\` in ${cwd}: ${cause.message}${code}`);
  }
}

export function describeExit(exit: ChildExit): string {
  return exit.code !== null ? `code ${exit.code}` : `signal ${exit.signal ?? "unknown"}`;
}

/** Resident memory of one process; Linux /proc only (0 elsewhere rather than a fork of ps per call). */
function readRss(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
