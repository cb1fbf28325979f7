import { existsSync } from "node:fs";
import { McpdError } from "../util/errors.ts";
import type { ReloadResult } from "./server.ts";
import type { ControlClient, DaemonStatus, StateChange } from "./types.ts";

/** A control call that takes longer than this means the daemon is stuck, not slow. */
export const CONTROL_TIMEOUT_MS = 10_000;

const notRunning = (socket: string) => new McpdError("not-running", `mcpd is not running (no control socket at ${socket})`);

/** Talks to the daemon whose control socket is `socket` (data/mcpd.sock). */
export function connectControl(
  socket: string,
): ControlClient & { metrics(): Promise<string>; reload(): Promise<ReloadResult>; storeChanged(timeoutMs: number): Promise<void> } {
  async function call(method: "GET" | "POST", path: string, timeoutMs = CONTROL_TIMEOUT_MS): Promise<Response> {
    if (!existsSync(socket)) throw notRunning(socket);
    let res: Response;
    try {
      res = await fetch(`http://mcpd${path}`, { method, unix: socket, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "ECONNREFUSED" || code === "ENOENT" || code === "FailedToOpenSocket") throw notRunning(socket);
      throw new McpdError("control", `mcpd at ${socket} did not answer: ${(e as Error).message}`);
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: string; code?: string };
      throw new McpdError(body.code ?? "control", body.error ?? `mcpd answered ${res.status} to ${method} ${path}`);
    }
    return res;
  }

  return {
    status: async () => (await call("GET", "/status")).json() as Promise<DaemonStatus>,
    restart: async (service) => void (await call("POST", `/services/${encodeURIComponent(service)}/restart`, 60_000)),
    stop: async () => void (await call("POST", "/stop")),
    logTail: async (service, lines) => ((await (await call("GET", `/services/${encodeURIComponent(service)}/log?lines=${lines}`)).json()) as { lines: string[] }).lines,
    recentChanges: async (service) =>
      (await call("GET", `/changes${service ? `?service=${encodeURIComponent(service)}` : ""}`)).json() as Promise<StateChange[]>,
    metrics: async () => (await call("GET", "/metrics")).text(),
    reload: async () => (await call("POST", "/reload", 60_000)).json() as Promise<ReloadResult>,
    storeChanged: async (timeoutMs) => void (await call("POST", "/store/changed", timeoutMs)),
    subscribe(handlers) {
      const abort = new AbortController();
      void (async () => {
        try {
          if (!existsSync(socket)) throw notRunning(socket);
          const res = await fetch("http://mcpd/events", { unix: socket, signal: abort.signal });
          if (!res.ok || !res.body) throw new McpdError("control", `mcpd answered ${res.status} to GET /events`);
          await readEvents(res.body, (name, data) => {
            if (name === "status") handlers.onStatus(JSON.parse(data) as DaemonStatus);
            else if (name === "change") handlers.onChange(JSON.parse(data) as StateChange);
          });
          if (!abort.signal.aborted) handlers.onError(new McpdError("control", "mcpd closed the event stream (it is stopping)"));
        } catch (e) {
          if (abort.signal.aborted) return;
          const code = (e as { code?: string }).code;
          handlers.onError(code === "ECONNREFUSED" || code === "ENOENT" || code === "FailedToOpenSocket" ? notRunning(socket) : (e as Error));
        }
      })();
      return () => abort.abort();
    },
  };
}

/** Minimal SSE reader: `event:` + `data:` lines, blank line ends an event, `:` lines are comments. */
async function readEvents(body: ReadableStream<Uint8Array>, on: (event: string, data: string) => void): Promise<void> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buf += dec.decode(value, { stream: true });
    let end: number;
    while ((end = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let name = "message";
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) on(name, data.join("\n"));
    }
  }
}
