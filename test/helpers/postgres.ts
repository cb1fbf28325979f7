// A throwaway PostgreSQL cluster per test file: initdb in a temp dir, postgres on a free
// 127.0.0.1 port with its unix socket in that dir, one database, gone on stop().
// initdb refuses to run as root, so as root the dir is handed to the `postgres` user
// (Debian's package creates it) and both programs run as that user through runuser.
import { spawn, spawnSync } from "bun";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "./net.ts";

export interface Postgres {
  /** postgres://postgres@127.0.0.1:PORT/DB of the database made for this cluster. */
  url: string;
  port: number;
  /** Another empty database on the same cluster, for a test that wants its own. */
  database(name?: string): Promise<string>;
  /** Fast shutdown (SIGINT: running sessions are cancelled), then the dir is removed. */
  stop(): Promise<void>;
}

// Generous: two shared cores and seven other engineers' suites; a start is ~0.3 s alone.
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const PORT_TRIES = 5;

/** Starts a cluster and creates database `db` in it. */
export async function startPostgres({ db = "mcpd_test" }: { db?: string } = {}): Promise<Postgres> {
  const bin = postgresBinDir();
  const asRoot = userInfo().uid === 0;
  const owner = asRoot ? postgresOwner() : null;
  const root = mkdtempSync(join(tmpdir(), "mcpd-pg-"));
  if (owner) chownSync(root, owner.uid, owner.gid);
  const data = join(root, "data");
  const sock = join(root, "sock");
  // cp -a keeps the owner and the 0700 modes postgres insists on.
  const cp = spawnSync(["cp", "-a", templateDir(bin, owner), data], { stderr: "pipe" });
  if (cp.exitCode !== 0) throw new Error(`copying the template cluster failed: ${cp.stderr.toString()}`);
  mkdirSync(sock, { mode: 0o700 });
  if (owner) chownSync(sock, owner.uid, owner.gid);

  let lastLog = "";
  for (let attempt = 0; attempt < PORT_TRIES; attempt++) {
    const port = await freePort();
    const logPath = join(root, `postgres-${attempt}.log`);
    const proc = spawn(
      [
        ...asUser(asRoot),
        join(bin, "postgres"),
        "-D", data,
        "-p", String(port),
        "-c", "listen_addresses=127.0.0.1",
        "-c", `unix_socket_directories=${sock}`,
        // A test cluster holds nothing worth an fsync; these make it start and write fast.
        "-c", "fsync=off",
        "-c", "synchronous_commit=off",
        "-c", "full_page_writes=off",
        "-c", "max_connections=60",
        "-c", "shared_buffers=16MB",
      ],
      { stdin: "ignore", stdout: Bun.file(logPath), stderr: Bun.file(logPath) },
    );
    const ready = await waitFor(() => (proc.exitCode !== null || proc.signalCode !== null ? "exited" : isReady(data, port) ? "ready" : null), {
      timeoutMs: START_TIMEOUT_MS,
      intervalMs: 20,
      what: `postgres on 127.0.0.1:${port}`,
    }).catch((e: Error) => e);
    lastLog = readLog(logPath);
    if (ready === "ready") {
      const pg = handle(root, data, port, proc);
      try {
        pg.url = await pg.database(db);
      } catch (e) {
        await pg.stop();
        throw e;
      }
      return pg;
    }
    killPostmaster(data, proc, "SIGQUIT");
    await proc.exited;
    // Another process took the port between freePort() and bind: try another one.
    if (!/could not bind|Address already in use/i.test(lastLog)) break;
  }
  rmSync(root, { recursive: true, force: true });
  throw new Error(`postgres did not start (bin ${bin}):\n${lastLog.slice(-2000)}`);
}

function handle(root: string, data: string, port: number, proc: ReturnType<typeof spawn>): Postgres {
  const leftover = () => killPostmaster(data, proc, "SIGQUIT");
  process.once("exit", leftover);
  let stopped: Promise<void> | null = null;
  return {
    url: "",
    port,
    async database(name = `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`) {
      const admin = new Bun.SQL({ url: `postgres://postgres@127.0.0.1:${port}/postgres`, max: 1 });
      try {
        await admin.unsafe(`CREATE DATABASE "${name.replace(/"/g, "")}"`);
      } finally {
        await admin.close();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop() {
      stopped ??= (async () => {
        process.off("exit", leftover);
        killPostmaster(data, proc, "SIGINT");
        const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(STOP_TIMEOUT_MS).then(() => false)]);
        if (!done) {
          killPostmaster(data, proc, "SIGQUIT");
          await proc.exited;
        }
        rmSync(root, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/**
 * Ready once postmaster.pid says "ready" for our port: the postmaster writes that line
 * only after it accepts connections (PostgreSQL ≥ 10), so no connection attempt or
 * sleep is needed to know.
 */
function isReady(data: string, port: number): boolean {
  try {
    const lines = readFileSync(join(data, "postmaster.pid"), "utf8").split("\n");
    return lines[3]?.trim() === String(port) && lines[7]?.trim() === "ready";
  } catch {
    return false;
  }
}

/**
 * Signals the postmaster itself (its pid is the first line of postmaster.pid), not the
 * runuser in front of it: runuser turns any signal into SIGTERM, which is postgres's slow
 * "smart" shutdown that waits for every client to leave.
 */
function killPostmaster(data: string, proc: ReturnType<typeof spawn>, signal: NodeJS.Signals): void {
  try {
    const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    if (pid > 0) process.kill(pid, signal);
    return;
  } catch {
    // No pid file yet (or gone): the postmaster has not started or has already exited.
  }
  try {
    proc.kill(signal);
  } catch {
    // already exited
  }
}

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function asUser(asRoot: boolean): string[] {
  return asRoot ? ["runuser", "-u", "postgres", "--"] : [];
}

/**
 * initdb costs a second or more on a busy box, so it runs once per machine and version
 * into a template dir that every cluster copies. Built beside its final name and renamed
 * into place, so two test processes racing here both end with a complete template.
 */
function templateDir(bin: string, owner: { uid: number; gid: number } | null): string {
  const version = pgVersion(bin);
  // The name carries what changes the template: the version and the initdb flags below.
  const dir = join(tmpdir(), `mcpd-pg-template-${version}-seg1-${userInfo().uid}`);
  if (existsSync(join(dir, "global", "pg_control")) && existsSync(join(dir, "PG_VERSION"))) return dir;
  const staging = mkdtempSync(join(tmpdir(), "mcpd-pg-template-staging-"));
  if (owner) chownSync(staging, owner.uid, owner.gid);
  const target = join(staging, "data");
  const r = spawnSync(
    [...asUser(owner !== null), join(bin, "initdb"), "-D", target, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions", "--wal-segsize=1"],
    { stdout: "pipe", stderr: "pipe" },
  );
  if (r.exitCode !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`initdb failed (bin ${bin}): ${r.stderr.toString().slice(-2000)}`);
  }
  try {
    renameSync(target, dir);
  } catch {
    // Someone else's template landed first; theirs is as good as ours.
  }
  rmSync(staging, { recursive: true, force: true });
  return dir;
}

function pgVersion(bin: string): string {
  const r = spawnSync([join(bin, "postgres"), "--version"], { stdout: "pipe" });
  return (r.stdout.toString().match(/(\d+)(\.\d+)?/)?.[0] ?? "x").replace(/\W/g, "_");
}

/**
 * Where initdb and postgres live: $MCPD_PG_BIN, else the newest Debian-style
 * /usr/lib/postgresql/N/bin, else `pg_config --bindir`, else the PATH.
 */
export function postgresBinDir(): string {
  const has = (dir: string) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres"));
  const fromEnv = process.env.MCPD_PG_BIN;
  if (fromEnv && has(fromEnv)) return fromEnv;
  try {
    const versions = readdirSync("/usr/lib/postgresql")
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(`/usr/lib/postgresql/${v}/bin`)) return `/usr/lib/postgresql/${v}/bin`;
  } catch {
    // not a Debian-style layout
  }
  const pgConfig = Bun.which("pg_config");
  if (pgConfig) {
    const dir = spawnSync([pgConfig, "--bindir"], { stdout: "pipe" }).stdout.toString().trim();
    if (dir && has(dir)) return dir;
  }
  const initdb = Bun.which("initdb");
  if (initdb) return join(initdb, "..");
  throw new Error("no PostgreSQL here (initdb not found): run test/setup/engines.sh, or set MCPD_PG_BIN");
}

function postgresOwner(): { uid: number; gid: number } {
  const r = spawnSync(["id", "-u", "postgres"], { stdout: "pipe" });
  const g = spawnSync(["id", "-g", "postgres"], { stdout: "pipe" });
  if (r.exitCode !== 0) throw new Error("running as root but there is no `postgres` user to run initdb as (install Debian's postgresql package)");
  return { uid: Number(r.stdout.toString()), gid: Number(g.stdout.toString()) };
}

