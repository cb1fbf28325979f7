import { afterEach, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import { connectControl } from "../../src/control/client.ts";
import { serveControl, type ControlBackend, type ControlServer } from "../../src/control/server.ts";
import type { DaemonStatus, StateChange } from "../../src/control/types.ts";
import { McpdError } from "../../src/util/errors.ts";
import { waitFor } from "../helpers/net.ts";
import { tempDir } from "../helpers/tmp.ts";

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const fn of cleanups.reverse()) fn();
  cleanups = [];
});

const STATUS: DaemonStatus = {
  version: "0.0.0",
  pid: 1,
  startedAt: 0,
  proxyUrl: "http://127.0.0.1:8080",
  dataDir: "/d",
  portsDir: "/p",
  users: 0,
  instances: 0,
  toolPolicies: [],
  requestsPerSec: 0,
  services: [],
};

/** A control server over a fake daemon, on a socket in a temp dir. */
function fakeDaemon() {
  const tmp = tempDir("mcpd-ctl");
  const socket = join(tmp.dir, "mcpd.sock");
  const listeners = new Set<(c: StateChange) => void>();
  const calls: string[] = [];
  const backend: ControlBackend = {
    status: () => STATUS,
    restart: async (s) => {
      if (s !== "figma") throw new McpdError("unknown-service", `no service named "${s}" is supervised`);
      calls.push(`restart ${s}`);
    },
    stop: () => calls.push("stop"),
    logTail: (s, n) => [`${s} ${n}`],
    recentChanges: (s) => [{ ts: 1, service: s ?? "all", from: "starting", to: "healthy", reason: "ok" }],
    onChange: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    metricsText: () => "mcpd_requests_total 3\n",
  };
  const server: ControlServer = serveControl(backend, socket);
  cleanups.push(() => {
    server.close();
    tmp.cleanup();
  });
  return { socket, calls, emit: (c: StateChange) => listeners.forEach((fn) => fn(c)) };
}

describe("control endpoint", () => {
  test("the socket is 0600 and every route answers through the client", async () => {
    const d = fakeDaemon();
    expect(statSync(d.socket).mode & 0o777).toBe(0o600);
    const client = connectControl(d.socket);
    expect(await client.status()).toEqual(STATUS);
    expect(await client.logTail("figma", 7)).toEqual(["figma 7"]);
    expect((await client.recentChanges("figma"))[0].service).toBe("figma");
    expect(await client.metrics()).toBe("mcpd_requests_total 3\n");
    await client.restart("figma");
    await expect(client.restart("nope")).rejects.toThrow('no service named "nope" is supervised');
    await client.stop();
    await waitFor(() => d.calls.includes("stop"));
    expect(d.calls).toEqual(["restart figma", "stop"]);
  });

  test("subscribe gets a status at once and every change as it happens", async () => {
    const d = fakeDaemon();
    const statuses: DaemonStatus[] = [];
    const changes: StateChange[] = [];
    const end = connectControl(d.socket).subscribe({ onStatus: (s) => statuses.push(s), onChange: (c) => changes.push(c), onError: (e) => { throw e; } });
    cleanups.push(end);
    await waitFor(() => statuses.length > 0);
    const change: StateChange = { ts: 5, service: "figma", from: "healthy", to: "backing-off", reason: "signal SIGKILL; retry in 150 ms" };
    d.emit(change);
    await waitFor(() => changes.length > 0);
    expect(changes).toEqual([change]);
    await waitFor(() => statuses.length >= 2, { timeoutMs: 3_000, what: "the next periodic status" });
  });

  test("without a daemon the client says mcpd is not running", async () => {
    const tmp = tempDir("mcpd-ctl");
    cleanups.push(tmp.cleanup);
    const socket = join(tmp.dir, "mcpd.sock");
    await expect(connectControl(socket).status()).rejects.toThrow(`mcpd is not running (no control socket at ${socket})`);
    const errors: Error[] = [];
    connectControl(socket).subscribe({ onStatus() {}, onChange() {}, onError: (e) => errors.push(e) });
    await waitFor(() => errors.length > 0);
    expect(errors[0].message).toBe(`mcpd is not running (no control socket at ${socket})`);
  });
});
