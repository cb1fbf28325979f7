import { createServer } from "node:net";

/**
 * Null when `port` on 127.0.0.1 can be bound now, else why not. Binding is the only
 * honest test: it sees listeners on 0.0.0.0 too.
 */
export async function portProblem(port: number, host = "127.0.0.1"): Promise<string | null> {
  const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const srv = createServer();
    srv.once("error", (e) => resolve(e as NodeJS.ErrnoException));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(null)));
  });
  if (!err) return null;
  if (err.code === "EADDRINUSE") {
    const holder = portHolder(port);
    return `port ${port} is already in use${holder ? ` by ${holder}` : ""}`;
  }
  if (err.code === "EACCES") return `port ${port} may not be bound by this user`;
  return `port ${port} cannot be bound: ${err.message}`;
}

/** "node (pid 1234)" when `ss` or `lsof` can say who listens on the port; null otherwise. */
export function portHolder(port: number): string | null {
  const ss = run(["ss", "-Hltnp", `sport = :${port}`]);
  const m = ss && /users:\(\("([^"]+)",pid=(\d+)/.exec(ss);
  if (m) return `${m[1]} (pid ${m[2]})`;
  const lsof = run(["lsof", "-nP", `-iTCP:${port}`, "-sTCP:LISTEN", "-Fpc"]);
  const pid = lsof && /^p(\d+)$/m.exec(lsof);
  const cmd = lsof && /^c(.+)$/m.exec(lsof);
  if (pid) return `${cmd ? cmd[1] : "process"} (pid ${pid[1]})`;
  if (ss && ss.trim()) return "another process (not ours, so the OS does not say which)";
  return null;
}

function run(argv: string[]): string | null {
  try {
    const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "ignore", timeout: 2_000 });
    return r.success ? r.stdout.toString() : null;
  } catch {
    return null; // the tool is not installed
  }
}
