import os from "node:os";

/** `--quick` or BENCH_QUICK=1: a ~10-20 s smoke run with the same code paths and table. */
export const QUICK = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";

/** `--name=value` from argv, else the fallback. */
export function flag(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}

/** A free port on 127.0.0.1 the OS picked a moment ago. */
export async function freePort(): Promise<number> {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

/** Thrown from a waitFor check to stop waiting at once (the daemon died, say). */
export class Fatal extends Error {}

/** Polls until `check` is truthy; no fixed sleeps in the scripts. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, what: string, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      if (e instanceof Fatal) throw e;
      last = e;
    }
    await Bun.sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}

export const machineLine = () => {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");
  return `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), load avg ${load}, bun ${Bun.version}, ${new Date().toISOString()}`;
};
