import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * A port that was free a moment ago on 127.0.0.1, below the kernel's range for outgoing
 * connections. A port the kernel picks (listen on 0) is in that range, and once released
 * any connect() on the machine may take it as its local port before the test binds it
 * again: a service in a test then failed with "address already in use".
 */
export async function freePort(): Promise<number> {
  const top = outgoingRangeStart();
  const bottom = Math.max(1024, top - 12_000);
  for (let tries = 0; tries < 50; tries++) {
    const port = bottom + Math.floor(Math.random() * (top - bottom));
    if ((await listenOn(port)) === port) return port;
  }
  return listenOn(0);
}

function outgoingRangeStart(): number {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

/** Binds `port` (0: the kernel picks) and releases it: the port it got, or -1 if taken. */
function listenOn(port: number): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(-1));
    srv.listen(port, "127.0.0.1", () => {
      const got = (srv.address() as { port: number }).port;
      srv.close(() => resolve(got));
    });
  });
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes; no fixed sleeps. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 25, what = "condition" }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    await Bun.sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}
