import { isAbsolute, resolve } from "node:path";
import type { Service } from "../registry/schema.ts";
import { selfCommand } from "../util/self.ts";
import type { RotatingLog } from "./logs.ts";
import { signalGroup } from "../util/processGroup.ts";

export interface ChildExit {
  code: number | null;
  signal: string | null;
}

/** One running service process, leader of its own process group. */
export interface Child {
  readonly pid: number;
  readonly exited: Promise<ChildExit>;
  /** to the whole group: whatever the command started (npm → node) goes too */
  signal(sig: NodeJS.Signals): void;
}

export interface SpawnRequest {
  service: Service;
  internalToken: string;
  /** the daemon's environment, passed on so upstream overrides (FIGMA_API_BASE …) reach the child */
  env: NodeJS.ProcessEnv;
  log: RotatingLog;
  /** told of each chunk the child writes: a server usually says so when it starts listening */
  onOutput?: () => void;
}

export type SpawnFn = (req: SpawnRequest) => Child;

/** Variables of the daemon a child must never see. */
const WITHHELD_ENV = ["MCPD_MASTER_KEY"];

/** The argv for a service: builtins re-run this mcpd; `{port}` in a command is the service's port. */
export function commandOf(service: Service): { argv: string[]; cwd: string } {
  if ("builtin" in service.run) return { argv: [...selfCommand(), "__service", service.run.builtin], cwd: service.dir };
  if ("url" in service.run) throw new Error(`service ${service.name} is remote (run.url): there is nothing to start`);
  const { command, cwd } = service.run;
  return {
    argv: command.map((a) => a.replaceAll("{port}", String(service.port))),
    cwd: isAbsolute(cwd) ? cwd : resolve(service.dir, cwd),
  };
}

/** The child's environment: the token travels here, never on the command line where `ps` shows it. */
export function envOf(req: SpawnRequest): Record<string, string> {
  const { service } = req;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.env)) if (v !== undefined && !WITHHELD_ENV.includes(k)) env[k] = v;
  if ("command" in service.run) Object.assign(env, service.run.env);
  env.PORT = String(service.port);
  env.MCPD_INTERNAL_TOKEN = req.internalToken;
  env.MCPD_SERVICE = service.name;
  env.MCPD_SERVICE_DIR = service.dir;
  return env;
}

export const spawnChild: SpawnFn = (req) => {
  const { argv, cwd } = commandOf(req.service);
  const proc = Bun.spawn(argv, {
    cwd,
    env: envOf(req),
    // A pipe nobody writes to: it closes when mcpd dies however it dies, which builtin
    // hosts (and any child that cares) take as the signal to exit.
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
    // Its own process group, so stop reaches grandchildren and a terminal's ^C reaches only mcpd.
    detached: true,
  });
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        req.log.write(value);
        req.onOutput?.();
      }
    } catch {
      // the pipe closes with the child; the exit is reported below
    }
  };
  const drained = Promise.all([pump(proc.stdout), pump(proc.stderr)]);
  const exited = proc.exited.then(async () => {
    await drained;
    return { code: proc.exitCode, signal: proc.signalCode === null ? null : String(proc.signalCode) };
  });
  const pid = proc.pid;
  return {
    pid,
    exited,
    signal: (sig) => signalGroup(pid, proc, sig),
  };
};

export function describeExit(exit: ChildExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}
