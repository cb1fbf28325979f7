// The floor under any proxy written on Bun: each client connection gets its own
// connection to the service and bytes are copied both ways, with no HTTP read, no
// lookup, no rewrite (the client sends the service's internal headers itself). What it
// costs per request is what Bun's sockets and the kernel cost, before any proxy logic.
import { join } from "node:path";
import type { Subprocess } from "bun";
import { spawnTracked, stopProcess } from "./procs.ts";
import { freePort, waitFor } from "./opts.ts";

export interface BunPipe {
  proc: Subprocess;
  url: string;
  stop(): Promise<void>;
}

export async function startBunPipe(upstreamPort: number): Promise<BunPipe> {
  const port = await freePort();
  const proc = spawnTracked([process.execPath, join(import.meta.dir, "bunPipeServer.ts")], {
    env: { PIPE_PORT: String(port), PIPE_UPSTREAM: String(upstreamPort) },
    stdout: "ignore",
    stderr: "pipe",
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (proc.exitCode !== null) throw new Error(`the Bun pipe exited (${proc.exitCode}): ${await new Response(proc.stderr as ReadableStream).text()}`);
      return Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } })
        .then((s) => (s.end(), true))
        .catch(() => false);
    },
    10_000,
    "the Bun pipe to listen",
  );
  return { proc, url, stop: () => stopProcess(proc) };
}
