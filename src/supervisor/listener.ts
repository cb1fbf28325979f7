import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export type ListenerCheck = { ok: true } | { ok: false; reason: string };

/** 127.0.0.1 as /proc/net/tcp writes it, and the any-addresses that also take its connections. */
const LOOPBACK_V4 = "0100007F";
const ANY = new Set(["00000000", "00000000000000000000000000000000"]);

interface Listening {
  addr: string;
  uid: number;
  inode: string;
}

/**
 * Whether what a connection to 127.0.0.1:port reaches is a socket the process group led
 * by `leader` (mcpd's child) holds. Checked before anything carrying a secret is sent: a
 * process of another user can bind a service's port in the moment between mcpd's port
 * check and the child's own bind, or while the child restarts, and would otherwise get
 * the health probe's token. Read from /proc: the listening socket's inode among the
 * descriptors of the child (or of a process in its group: `npx` and shell wrappers fork).
 */
export function verifyListener(port: number, leader: number): ListenerCheck {
  const all = listening(port);
  // An exact 127.0.0.1 listener takes the connection before any wildcard one does.
  const exact = all.filter((l) => l.addr === LOOPBACK_V4);
  const reached = exact.length ? exact : all.filter((l) => ANY.has(l.addr));
  if (!reached.length) return { ok: false, reason: `nothing listens on port ${port} yet` };
  const inodes = new Set(reached.map((l) => l.inode));
  if (holdsAny(leader, inodes)) return { ok: true };
  for (const pid of groupOf(leader)) if (holdsAny(pid, inodes)) return { ok: true };
  const l = reached[0]!;
  const who = ownerOf(l.inode);
  return {
    ok: false,
    reason: `port ${port} is held by ${who ?? "a process mcpd may not inspect"} (uid ${l.uid}), not by mcpd's child (pid ${leader}); nothing was sent to it`,
  };
}

/** Listening TCP sockets on `port` (state 0A), v4 and v6. */
function listening(port: number): Listening[] {
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const out: Listening[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      // sl local rem st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
      const f = line.trim().split(/\s+/);
      if (f[3] !== "0A" || !f[1]?.endsWith(suffix)) continue;
      out.push({ addr: f[1].slice(0, -suffix.length), uid: Number(f[7]), inode: f[9]! });
    }
  }
  return out;
}

function holdsAny(pid: number, inodes: Set<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (target.startsWith("socket:[") && inodes.has(target.slice(8, -1))) return true;
  }
  return false;
}

/** The other processes of the group `leader` leads (its children that forked the real server). */
function groupOf(leader: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === leader) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so count from the last ")".
      const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
      if (pgrp === leader) out.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** "nc (pid 4242)" for the process holding the socket, when this user may see it. */
function ownerOf(inode: string): string | null {
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    if (!holdsAny(pid, new Set([inode]))) continue;
    let comm = "process";
    try {
      comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      // gone meanwhile
    }
    return `${comm} (pid ${pid})`;
  }
  return null;
}
