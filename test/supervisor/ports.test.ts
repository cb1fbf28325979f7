import { afterEach, describe, expect, test } from "bun:test";
import { createServer, type Server } from "node:net";
import { checkPort, parseSs, TIME_WAIT_MS } from "../../src/supervisor/ports.ts";
import { nextPortCheckMs, PORT_RETRY_DELAYS_MS } from "../../src/supervisor/portRetry.ts";
import { freePort, waitFor } from "../helpers/net.ts";

let cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanups.reverse()) await fn();
  cleanups = [];
});

describe("port retry policy", () => {
  test("a taken port is checked again for about ten seconds, then given up", () => {
    const listener = { reason: "port 49200 is already in use by node (pid 1)" };
    const waits: number[] = [];
    let since = 0;
    for (let failed = 1; ; failed++) {
      const w = nextPortCheckMs(failed, since, listener);
      if (w === null) break;
      waits.push(w);
      since += w;
    }
    expect(waits).toEqual([...PORT_RETRY_DELAYS_MS]);
    expect(since).toBeGreaterThanOrEqual(8_000);
    expect(since).toBeLessThanOrEqual(12_000);
  });

  test("a port held only by a connection in TIME-WAIT is checked until the kernel must have freed it", () => {
    const timeWait = { reason: "…(TIME-WAIT…)", clearsWithinMs: TIME_WAIT_MS };
    const n = PORT_RETRY_DELAYS_MS.length;
    expect(nextPortCheckMs(n + 1, 10_000, timeWait)).toBe(PORT_RETRY_DELAYS_MS.at(-1)!);
    expect(nextPortCheckMs(n + 10, TIME_WAIT_MS - 1, timeWait)).toBe(PORT_RETRY_DELAYS_MS.at(-1)!);
    expect(nextPortCheckMs(n + 11, TIME_WAIT_MS, timeWait)).toBeNull();
  });

  test("no delays: the first failed check is final", () => {
    expect(nextPortCheckMs(1, 0, { reason: "x" }, [])).toBeNull();
  });
});

describe("port check", () => {
  test("a free port has no problem", async () => {
    expect(await checkPort(await freePort())).toBeNull();
  });

  test("a listener is named with its pid", async () => {
    const port = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(port, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => holder.close(() => r())));
    const p = await checkPort(port);
    expect(p?.reason).toStartWith(`port ${port} is already in use`);
    expect(p?.clearsWithinMs).toBeUndefined();
    if (Bun.which("ss") || Bun.which("lsof")) expect(p?.reason).toBe(`port ${port} is already in use by bun (pid ${process.pid})`);
  });

  test("an outgoing connection's local port is named as such; in TIME-WAIT it clears by itself", async () => {
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    cleanups.push(() => server.stop(true));
    const client = await Bun.connect({ hostname: "127.0.0.1", port: server.port, socket: { data() {} } });
    const local = client.localPort;
    // Another suite's earlier connection may sit in TIME-WAIT on the same local port: the live one is named.
    const open = await checkPort(local);
    expect(open?.reason).toStartWith(`port ${local} is already in use by a TCP connection 127.0.0.1:${local} → 127.0.0.1:${server.port} (ESTAB, bun (pid ${process.pid}))`);
    expect(open?.clearsWithinMs).toBeUndefined();
    client.end(); // we close first: our side keeps the port in TIME-WAIT
    const closed = await waitFor(async () => {
      const p = await checkPort(local);
      return p?.clearsWithinMs ? p : null;
    }, { what: "the connection to be in TIME-WAIT" });
    // Every holder is a closed connection now (ours, or another's from the same port): any of them is the truth.
    expect(closed.reason).toMatch(new RegExp(`^port ${local} is already in use by a TCP connection 127\\.0\\.0\\.1:${local} → [0-9.:]+ \\(TIME-WAIT: closed, the kernel frees the port within 60 s\\)`));
    expect(closed.clearsWithinMs).toBe(TIME_WAIT_MS);
  });

  test("ss lines are read for state, ends and owner", () => {
    const rows = parseSs(
      [
        'LISTEN    0 512 127.0.0.1:49160 0.0.0.0:* users:(("mcpd",pid=77,fd=5))',
        "TIME-WAIT 0 0   127.0.0.1:49161 127.0.0.1:49160",
        "ESTAB     0 0   [::1]:49162 [::1]:8080",
        "",
      ].join("\n"),
    );
    expect(rows).toEqual([
      { state: "LISTEN", local: "127.0.0.1:49160", localPort: 49160, peer: "0.0.0.0:*", process: "mcpd (pid 77)" },
      { state: "TIME-WAIT", local: "127.0.0.1:49161", localPort: 49161, peer: "127.0.0.1:49160", process: null },
      { state: "ESTAB", local: "[::1]:49162", localPort: 49162, peer: "[::1]:8080", process: null },
    ]);
  });
});
