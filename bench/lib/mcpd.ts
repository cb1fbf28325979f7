// Starting and watching a real mcpd daemon on a temp data dir and a generated mcp-ports
// dir, on ports picked free, so a bench never collides with a daemon someone else runs.
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Subprocess } from "bun";
import type { DaemonStatus } from "../../src/control/types.ts";
import { connectControl } from "../../src/control/client.ts";
import { onCleanup, spawnTracked, stopProcess } from "./procs.ts";
import { Fatal, freePort, waitFor } from "./opts.ts";

const ROOT = join(import.meta.dir, "..", "..");
const DIST = join(ROOT, "dist", "mcpd");
const MAIN = join(ROOT, "src", "cli", "main.ts");
/** Where a bench compiles the current sources when dist/mcpd is stale (bench/.gitignore). */
const BUILD = join(ROOT, "bench", ".build", "mcpd");
/** What goes into the binary: the CLI and the builtin services' code beside their configs. */
const SOURCES = [join(ROOT, "src"), join(ROOT, "mcp-ports")];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

const freshAgainstSources = (file: string) => existsSync(file) && statSync(file).mtimeMs >= Math.max(...SOURCES.map(newestMtime));

/**
 * Compiles src/cli/main.ts the way `bun run build` does, into bench/.build/mcpd (written
 * beside and renamed, so a concurrent bench never runs half a binary). Under a second.
 * Null when the build fails, with the reason.
 */
function buildFresh(): { ok: true } | { ok: false; why: string } {
  if (freshAgainstSources(BUILD)) return { ok: true };
  mkdirSync(dirname(BUILD), { recursive: true });
  const tmp = `${BUILD}.${process.pid}.tmp`;
  const r = Bun.spawnSync([process.execPath, "build", "--compile", "--minify-syntax", "--bytecode", "--format=esm", MAIN, "--outfile", tmp], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (!r.success || !existsSync(tmp)) {
    rmSync(tmp, { force: true });
    return { ok: false, why: r.stderr.toString().trim().split("\n").pop() ?? `exit ${r.exitCode}` };
  }
  renameSync(tmp, BUILD);
  return { ok: true };
}

let chosen: { argv: string[]; label: string } | undefined;

/**
 * Which mcpd a bench measures: the compiled `dist/mcpd` when it is not older than the
 * sources; else the current sources compiled into bench/.build/mcpd, since what ships is
 * a compiled binary (a builtin child started from source costs about twice the CPU and
 * 15 MB more, which would skew the fleet and users figures); bun on src/cli/main.ts only
 * when that build fails. BENCH_MCPD=source or =dist forces one. Decided once per run.
 */
export function mcpdCommand(): { argv: string[]; label: string } {
  if (chosen) return chosen;
  // Any other build (a JSON argv), e.g. to compare two branches' binaries.
  if (process.env.BENCH_MCPD_CMD) return (chosen = { argv: JSON.parse(process.env.BENCH_MCPD_CMD) as string[], label: `BENCH_MCPD_CMD ${process.env.BENCH_MCPD_CMD}` });
  const want = process.env.BENCH_MCPD;
  const source = (why: string) => ({ argv: [process.execPath, MAIN], label: `source (bun src/cli/main.ts; ${why})` });
  if (want === "source") return (chosen = source("BENCH_MCPD=source"));
  if (want === "dist" || freshAgainstSources(DIST)) {
    if (!existsSync(DIST)) throw new Error("BENCH_MCPD=dist but dist/mcpd is missing; run ./install.sh");
    return (chosen = { argv: [DIST], label: "compiled dist/mcpd" });
  }
  const why = existsSync(DIST) ? "dist/mcpd is older than src/" : "no dist/mcpd";
  const built = buildFresh();
  if (!built.ok) return (chosen = source(`${why}, and compiling failed: ${built.why}`));
  return (chosen = { argv: [BUILD], label: `compiled from the current sources into bench/.build/mcpd (${why})` });
}

/** A temp dir removed when the script ends. */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mcpd-bench-${label}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface DemoPort {
  name: string;
  prefix: string;
  port: number;
  start?: "boot" | "on-demand";
}

/**
 * Writes `<dir>/<name>/config.json` running the builtin demo. The per-instance rate limit
 * is lifted: a closed loop on one instance would otherwise measure the token bucket.
 */
export function writeDemoPorts(dir: string, services: DemoPort[]): void {
  for (const s of services) {
    mkdirSync(join(dir, s.name), { recursive: true });
    const config = {
      name: s.name,
      title: `Demo ${s.name}`,
      prefix: s.prefix,
      port: s.port,
      run: { builtin: "demo" },
      transport: "streamable-http",
      path: "/mcp",
      ...(s.start ? { start: s.start } : {}),
      credential: {
        label: "any non-empty demo key",
        inject: { header: "X-Demo-Key", format: "{secret}" },
        validate: { local: "non-empty" },
      },
      health: { path: "/health", intervalMs: 5000, timeoutMs: 2000 },
      limits: { requestsPerMinute: 10_000_000, burst: 10_000_000, maxBodyBytes: 1048576 },
    };
    writeFileSync(join(dir, s.name, "config.json"), JSON.stringify(config, null, 2) + "\n");
  }
}

export interface Daemon {
  proc: Subprocess;
  pid: number;
  proxyUrl: string;
  logFile: string;
  status(): Promise<DaemonStatus>;
  /** Resolves once every named service (default: all) reports `healthy`. */
  waitHealthy(timeoutMs: number, names?: string[]): Promise<DaemonStatus>;
  stop(): Promise<void>;
  /** The error to throw once the daemon has exited: its code and the end of its log. */
  died(): Promise<Fatal>;
}

export async function startDaemon(opts: { dataDir: string; portsDir: string; port?: number; env?: Record<string, string>; argv?: string[] }): Promise<Daemon> {
  const argv = opts.argv ?? mcpdCommand().argv;
  const port = opts.port ?? (await freePort());
  const env = { MCPD_DATA: opts.dataDir, MCPD_PORTS: opts.portsDir, ...opts.env };
  const logFile = join(opts.dataDir, "daemon.out");
  mkdirSync(opts.dataDir, { recursive: true });
  const out = openSync(logFile, "a");
  const proc = spawnTracked([...argv, "start", "--host", "127.0.0.1", "--port", String(port)], { env, stdout: out, stderr: out });
  // The daemon's own control socket, in-process: polling it costs no process spawn, so
  // watching a 373-service boot doesn't steal the CPU it is timing.
  const control = connectControl(join(opts.dataDir, "mcpd.sock"));
  const status = () => control.status();
  const daemon: Daemon = {
    proc,
    pid: proc.pid,
    proxyUrl: `http://127.0.0.1:${port}`,
    logFile,
    status,
    async waitHealthy(timeoutMs, names) {
      let last: DaemonStatus | undefined;
      try {
        return await waitFor(
          async () => {
            if (proc.exitCode !== null) throw await daemon.died();
            const s = (last = await status());
            const wanted = s.services.filter((x) => !names || names.includes(x.name));
            return wanted.length > 0 && wanted.every((x) => x.state === "healthy") ? s : null;
          },
          timeoutMs,
          "every service healthy",
          100,
        );
      } catch (e) {
        throw new Error(`${(e as Error).message}; ${stateSummary(last)}`);
      }
    },
    stop: () => stopProcess(proc, 10_000),
    async died() {
      const tail = (await Bun.file(logFile).text().catch(() => "")).trim().split("\n").slice(-5).join(" | ");
      return new Fatal(`mcpd exited with code ${proc.exitCode}: ${tail || "(no output)"}`);
    },
  };
  return daemon;
}

/** "healthy 370, starting 3; svc-004: <its last error>" — why a wait ended short. */
export function stateSummary(s: DaemonStatus | undefined): string {
  if (!s) return "no status from the daemon";
  const counts = new Map<string, number>();
  for (const x of s.services) counts.set(x.state, (counts.get(x.state) ?? 0) + 1);
  const bad = s.services.find((x) => x.lastError || x.lastExit);
  return [...counts].map(([k, v]) => `${k} ${v}`).join(", ") + (bad ? `; ${bad.name}: ${bad.lastError ?? bad.lastExit}` : "");
}

