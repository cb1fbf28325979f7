import { createServer } from "node:net";
import { readFileSync } from "node:fs";

/** Linux keeps a closed connection's local port in TIME-WAIT this long (TCP_TIMEWAIT_LEN, fixed). */
export const TIME_WAIT_MS = 60_000;

export interface PortProblem {
  /** "port 49200 is already in use by node (pid 1234)" */
  reason: string;
  /** held only by a closed connection the kernel releases by itself within this long */
  clearsWithinMs?: number;
}

/**
 * Null when `port` on `host` can be bound now, else why not. Binding is the only honest
 * test: it sees listeners on 0.0.0.0 too, and connections whose local port it is.
 */
export async function checkPort(port: number, host = "127.0.0.1"): Promise<PortProblem | null> {
  const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    const srv = createServer();
    srv.once("error", (e) => resolve(e as NodeJS.ErrnoException));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(null)));
  });
  if (!err) return null;
  const failedAt = performance.now();
  if (err.code === "EADDRINUSE") {
    const holder = await portHolder(port, failedAt);
    const base = `port ${port} is already in use`;
    if (!holder) return { reason: base };
    return { reason: `${base} by ${holder.who}`, ...(holder.timeWait ? { clearsWithinMs: TIME_WAIT_MS } : {}) };
  }
  if (err.code === "EACCES") return { reason: `port ${port} may not be bound by this user` };
  return { reason: `port ${port} cannot be bound: ${err.message}` };
}

/** `checkPort` as one line, for callers that only report it (the proxy's own port). */
export async function portProblem(port: number, host = "127.0.0.1"): Promise<string | null> {
  return (await checkPort(port, host))?.reason ?? null;
}

export interface PortHolder {
  /** "node (pid 1234)", or a connection: "a TCP connection 127.0.0.1:49200 → 127.0.0.1:8080 (ESTAB, mcpd pid 77)" */
  who: string;
  timeWait: boolean;
}

/**
 * Who holds `port`, as far as `ss` (or, for listeners only, `lsof`) can tell; null when
 * neither can. A listener is named first; failing that, a connection using the port as
 * its local port — an outgoing connection takes its local port from the ephemeral range,
 * which may include service ports.
 */
export async function portHolder(port: number, seenAt = performance.now()): Promise<PortHolder | null> {
  const rows = await socketTable(seenAt);
  if (rows) {
    const mine = rows.filter((r) => r.localPort === port);
    const listener = mine.find((r) => r.state === "LISTEN");
    if (listener) return { who: listener.process ?? "another process (not ours, so the OS does not say which)", timeWait: false };
    // A live connection is what holds the port; a closed one beside it (TIME-WAIT, another
    // process's earlier connection from the same local port) would name the wrong holder.
    const conn = mine.find((r) => r.state !== "TIME-WAIT") ?? mine[0];
    if (conn) {
      const timeWait = mine.every((r) => r.state === "TIME-WAIT");
      const state = timeWait ? `TIME-WAIT: closed, the kernel frees the port within ${TIME_WAIT_MS / 1000} s` : `${conn.state}${conn.process ? `, ${conn.process}` : ""}`;
      return { who: `a TCP connection ${conn.local} → ${conn.peer} (${state})${ephemeralNote(port)}`, timeWait };
    }
  }
  const lsof = await run(["lsof", "-nP", `-iTCP:${port}`, "-sTCP:LISTEN", "-Fpc"]);
  const pid = lsof && /^p(\d+)$/m.exec(lsof);
  const cmd = lsof && /^c(.+)$/m.exec(lsof);
  if (pid) return { who: `${cmd ? cmd[1] : "process"} (pid ${pid[1]})`, timeWait: false };
  return null;
}

interface SocketRow {
  state: string;
  local: string;
  localPort: number;
  peer: string;
  /** "mcpd (pid 77)" when the socket is ours to see */
  process: string | null;
}

let table: { at: number; rows: Promise<SocketRow[] | null> } | null = null;

/**
 * Every TCP socket on the machine (`ss -Htanp`), as read at `notBefore` or later: checks
 * of several ports that failed together (a fleet booting) share one read, and none gets
 * a table older than its own failed bind.
 */
function socketTable(notBefore: number): Promise<SocketRow[] | null> {
  if (table && table.at >= notBefore) return table.rows;
  const rows = run(["ss", "-Htanp"]).then((out) => (out === null ? null : parseSs(out)));
  table = { at: performance.now(), rows };
  return rows;
}

/** `ss -Htanp` lines: state, recv-q, send-q, local, peer, then users:(("name",pid=N,…)) when known. */
export function parseSs(out: string): SocketRow[] {
  const rows: SocketRow[] = [];
  for (const line of out.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    const [state, , , local, peer] = f as [string, string, string, string, string];
    const localPort = Number(local.slice(local.lastIndexOf(":") + 1));
    if (!Number.isInteger(localPort)) continue;
    const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(line);
    rows.push({ state, local, localPort, peer, process: m ? `${m[1]} (pid ${m[2]})` : null });
  }
  return rows;
}

/** Said when a port held by a connection lies where the kernel picks local ports for outgoing connections. */
function ephemeralNote(port: number): string {
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (port < lo! || port > hi!) return "";
    return `; port ${port} lies in the ephemeral range ${lo}-${hi}, where outgoing connections take their local ports (net.ipv4.ip_local_reserved_ports keeps it for the service)`;
  } catch {
    return "";
  }
}

async function run(argv: string[]): Promise<string | null> {
  try {
    const proc = Bun.spawn(argv, { stdout: "pipe", stderr: "ignore", stdin: "ignore", timeout: 2_000 });
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
    return code === 0 ? out : null;
  } catch {
    return null; // the tool is not installed
  }
}
