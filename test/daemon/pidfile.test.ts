import { expect, test } from "bun:test";
import { isAlive } from "../../src/daemon/pidfile.ts";
import { waitFor } from "../helpers/net.ts";

test("a process that exited but was never reaped (a zombie) is not alive, so `mcpd stop` does not wait on it", async () => {
  // The background sleep's parent execs into `sleep 5`, which never waits: its child stays a zombie.
  const parent = Bun.spawn(["sh", "-c", "sleep 0.1 & echo $! >&2; exec sleep 5 2>/dev/null"], { stderr: "pipe" });
  try {
    const first = await parent.stderr.getReader().read();
    const zombie = Number(new TextDecoder().decode(first.value).trim());
    expect(isAlive(zombie)).toBe(true);
    await waitFor(() => !isAlive(zombie), { timeoutMs: 5_000, what: "the exited child to count as gone" });
    // Still in the process table: signal 0 reaches it.
    expect(() => process.kill(zombie, 0)).not.toThrow();
    expect(isAlive(parent.pid)).toBe(true);
  } finally {
    parent.kill("SIGKILL");
  }
});

test("a pid that does not exist is not alive", () => {
  expect(isAlive(2 ** 22 + 12345)).toBe(false);
});
