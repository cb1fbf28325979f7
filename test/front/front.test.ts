// The front as a client's socket meets it: requests written by hand (split, pipelined,
// chunked, malformed) to `serveProxy` on a real port, with the echo fixture behind it.
import { afterEach, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import type { Front } from "../../src/front/index.ts";
import { serveProxy } from "../../src/proxy/index.ts";
import { waitFor } from "../helpers/net.ts";
import { addUser, fingerprint, world, type World } from "../proxy/harness.ts";

let w: World | null = null;
let front: Front | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await front?.stop(true);
  front = null;
  await w?.cleanup();
  w = null;
});

const LIMITS = { requestsPerMinute: 1_000_000, maxBodyBytes: 1_048_576, upstreamTimeoutMs: 30_000 };

/** A stateless echo (no session needed) behind a bound proxy, and alice's instance path. */
async function bound(opts: { keepaliveMs?: number; requestDeadlineMs?: number } = {}) {
  w = await world({ flags: ["--stateless"], service: { limits: LIMITS }, proxy: { keepaliveMs: opts.keepaliveMs } });
  front = serveProxy(w.proxy, { host: "127.0.0.1", port: 0, requestDeadlineMs: opts.requestDeadlineMs });
  const alice = addUser(w.store, w.keyring, "alice", w.service, "key-of-alice");
  return { w, port: front.port, alice, path: `/${alice.id}/echo/mcp` };
}

const body = (id: number, tool = "whoami", args: unknown = {}) => JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: tool, arguments: args } });

function post(path: string, json: string, extra = ""): string {
  return (
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n` +
    `MCP-Protocol-Version: 2025-06-18\r\n${extra}Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`
  );
}

/** A raw connection that keeps everything it receives. */
async function open(port: number): Promise<{ sock: Socket; text: () => string; closed: Promise<void> }> {
  const sock = connect(port, "127.0.0.1");
  sockets.push(sock);
  let received = "";
  sock.on("data", (d) => (received += d.toString("latin1")));
  const closed = new Promise<void>((r) => sock.on("close", () => r()));
  await new Promise<void>((r, j) => (sock.once("connect", () => r()), sock.once("error", j)));
  return { sock, text: () => received, closed };
}

/** The JSON-RPC answers in what arrived, in order (SSE data lines). */
const answers = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => JSON.parse(l.slice(6)));
const statuses = (text: string) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
/** A chunked body's payload (the test's own decoder, not the front's). */
function dechunk(body: string): string {
  let out = "";
  for (let at = 0; ; ) {
    const eol = body.indexOf("\r\n", at);
    const size = parseInt(body.slice(at, eol), 16);
    if (!size) return out;
    out += body.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}
const whoamiOf = (answer: any) => JSON.parse(answer.result.content[0].text);

test("pipelined requests on one connection are answered in order, each with the user's own key", async () => {
  const { port, path, alice } = await bound();
  const c = await open(port);
  c.sock.write(post(path, body(1)) + post(path, body(2)) + post(path, body(3)));
  await waitFor(() => answers(c.text()).length === 3, { what: "three answers" });
  expect(statuses(c.text())).toEqual([200, 200, 200]);
  expect(answers(c.text()).map((a) => a.id)).toEqual([1, 2, 3]);
  for (const a of answers(c.text())) expect(whoamiOf(a)).toEqual({ user: "alice", instance: alice.ref, fingerprint: fingerprint("key-of-alice") });
});

test("a keep-alive connection takes request after request, each sent once the last is answered", async () => {
  const { port, path } = await bound();
  const c = await open(port);
  for (let id = 20; id < 25; id++) {
    c.sock.write(post(path, body(id)));
    await waitFor(() => answers(c.text()).some((a) => a.id === id), { what: `the answer to ${id}`, timeoutMs: 3_000 });
  }
  expect(answers(c.text()).map((a) => a.id)).toEqual([20, 21, 22, 23, 24]);
});

test("a request that arrives a few bytes at a time is answered once it is whole", async () => {
  const { port, path } = await bound();
  const c = await open(port);
  const bytes = Buffer.from(post(path, body(4)));
  for (let i = 0; i < bytes.byteLength; i += 7) {
    c.sock.write(bytes.subarray(i, i + 7));
    await Bun.sleep(1);
  }
  await waitFor(() => answers(c.text()).length === 1, { what: "the answer" });
  expect(answers(c.text())[0].id).toBe(4);
});

test("one connection carries lane requests and full-path requests in turn", async () => {
  const { port, path, alice } = await bound();
  const c = await open(port);
  const headers = `GET /${alice.id}/echo/headers HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
  // POST (the lane), GET (the full path), a browser's POST (the full path: it has an Origin), POST again.
  c.sock.write(post(path, body(5)) + headers + post(path, body(6), "Origin: http://localhost:6274\r\n") + post(path, body(7)));
  await waitFor(() => answers(c.text()).length === 3 && c.text().includes('"x-mcpd-user"'), { what: "four answers" });
  expect(statuses(c.text())).toEqual([200, 200, 200, 200]);
  expect(answers(c.text()).map((a) => a.id)).toEqual([5, 6, 7]);
  expect(c.text().toLowerCase()).toContain("access-control-allow-origin: http://localhost:6274");
});

test("a chunked request body is carried whole", async () => {
  const { port, path } = await bound();
  const c = await open(port);
  const json = body(8);
  const chunked = `${(10).toString(16)}\r\n${json.slice(0, 10)}\r\n${(json.length - 10).toString(16)}\r\n${json.slice(10)}\r\n0\r\n\r\n`;
  c.sock.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}`,
  );
  await waitFor(() => answers(c.text()).length === 1, { what: "the answer" });
  expect(whoamiOf(answers(c.text())[0]).user).toBe("alice");
});

test("a request framed two ways at once never reaches the service", async () => {
  const { w, port, path } = await bound();
  const c = await open(port);
  // Content-Length says the body is the chunked terminator; Transfer-Encoding says a second request follows it.
  const smuggled = post(path, body(10));
  c.sock.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`);
  await Promise.race([c.closed, Bun.sleep(1_000)]);
  expect(statuses(c.text())[0]).toBe(400);
  expect(answers(c.text()).filter((a) => a.id === 10)).toEqual([]);
  await w.proxy.close();
  expect(w.store.audit.query({ userId: "alice" }).filter((r) => r.method === "tools/call")).toEqual([]);
});

test("a client that leaves mid-stream is audited as gone, and the service's stream is cancelled", async () => {
  const { w, port, alice } = await bound();
  const c = await open(port);
  // The fixture's /probe streams ticks until its reader goes away.
  c.sock.write(post(`/${alice.id}/echo/probe`, JSON.stringify({ jsonrpc: "2.0", id: 11, method: "ping" })));
  await waitFor(() => c.text().includes("data: tick"), { what: "the first tick" });
  c.sock.destroy();
  const stats = async () => (await (await fetch(`http://127.0.0.1:${w.echo.port}/probe-stats`, { headers: { "x-mcpd-internal": w.token } })).json()) as any;
  await waitFor(async () => (await stats()).cancelled === 1, { what: "the service's stream to be cancelled" });
  await w.proxy.close();
  const rows = w.store.audit.query({ userId: "alice" });
  expect(rows.map((r) => ({ method: r.method, status: r.status, event: r.event }))).toEqual([{ method: "ping", status: 200, event: "client-gone" }]);
});

test("a client that stops reading makes the service wait, not mcpd buffer", async () => {
  const { w, port, alice } = await bound();
  const c = await open(port);
  c.sock.pause();
  c.sock.write(post(`/${alice.id}/echo/flood`, JSON.stringify({ jsonrpc: "2.0", id: 13, method: "ping" })));
  const flooded = async () => ((await (await fetch(`http://127.0.0.1:${w.echo.port}/probe-stats`, { headers: { "x-mcpd-internal": w.token } })).json()) as any).flooded as number;
  // The stream stalls once the socket buffers on the way are full. Where is the kernel's
  // business (loopback buffers autotune up to tens of MB), so no figure is asserted: had
  // mcpd gone on reading the service instead, it would have queued the flood until its
  // 16 MiB cap and then dropped the client, and the flood could never resume below.
  let last = -1;
  await waitFor(
    async () => {
      const now = await flooded();
      const stalled = now > 0 && now === last;
      last = now;
      return stalled;
    },
    { what: "the flood to stall", intervalMs: 300 },
  );
  expect(await flooded()).toBe(last);
  // Reading again lets it flow again: the same connection, the same stream.
  c.sock.resume();
  await waitFor(async () => (await flooded()) > last + 1024 * 1024, { what: "the flood to resume" });
});

test("a service whose answer is garbled gets the client a 502, not the garbage", async () => {
  const { w, port, path } = await bound();
  // A stand-in service that answers every request with broken chunked framing.
  const liar = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: { data: (s) => void s.write("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n"), error() {} },
  });
  try {
    w.gate.acquire = () => Promise.resolve({ port: liar.port });
    const c = await open(port);
    c.sock.write(post(path, body(14)));
    await waitFor(() => statuses(c.text()).length === 1 && c.text().includes("}"), { what: "the answer" });
    expect(statuses(c.text())).toEqual([502]);
    expect(c.text()).not.toContain("not a chunk");
    expect(JSON.parse(c.text().slice(c.text().indexOf("\r\n\r\n") + 4))).toMatchObject({ id: 14, error: { data: { code: "service-broke-off" } } });
  } finally {
    liar.stop(true);
  }
});

test("a quiet streamed answer gets keep-alive comments between events, and then its events", async () => {
  const { port, path } = await bound({ keepaliveMs: 100 });
  const c = await open(port);
  // count with long gaps: the answer is an event stream that stays quiet between events.
  c.sock.write(post(path, body(12, "count", { n: 2, gapMs: 450 })));
  await waitFor(() => answers(c.text()).some((a) => a.id === 12), { what: "the final answer", timeoutMs: 10_000 });
  const text = c.text();
  expect(text).toContain("transfer-encoding: chunked");
  expect(text).toEndWith("0\r\n\r\n");
  const events = dechunk(text.slice(text.indexOf("\r\n\r\n") + 4)).split("\n\n");
  expect(events.filter((e) => e === ": keepalive").length).toBeGreaterThanOrEqual(2);
  // Comments only between events: everything else is a whole event.
  for (const e of events.filter((e) => e && e !== ": keepalive")) expect(e).toStartWith("event: message\ndata: {");
  expect(answers(text).map((a) => a.id ?? a.params.data)).toEqual(["tick 1", "tick 2", 12]);
});

test("a chunked request followed by a pipelined one: both are answered, in order", async () => {
  const { port, path } = await bound();
  const c = await open(port);
  const json = body(21);
  const chunked = `${json.length.toString(16)}\r\n${json}\r\n0\r\n\r\n`;
  c.sock.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n${chunked}` +
      post(path, body(22)),
  );
  await waitFor(() => answers(c.text()).length === 2, { what: "both answers", timeoutMs: 4_000 }).catch((e) => {
    console.error(JSON.stringify(c.text()));
    throw e;
  });
  expect(answers(c.text()).map((a) => a.id)).toEqual([21, 22]);
});

test("a request whose lines end in a bare LF gets 400 at once, not after the idle timeout", async () => {
  const { port, path } = await bound();
  const c = await open(port);
  const json = body(23);
  c.sock.write(`POST ${path} HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\nContent-Length: ${json.length}\n\n${json}`);
  // The idle timeout is 30 s; the answer comes well before any of it.
  await waitFor(() => statuses(c.text()).length > 0, { what: "an answer", timeoutMs: 5_000 });
  expect(statuses(c.text())).toEqual([400]);
  expect(answers(c.text())).toEqual([]);
});

test("a Content-Length padded with VT, FF or NBSP is refused as Bun's server refuses it", async () => {
  const { w, port, path } = await bound();
  for (const pad of ["\x0b", "\x0c", "\xa0"]) {
    const c = await open(port);
    const json = body(24);
    c.sock.write(
      Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${pad}${json.length}${pad}\r\n\r\n${json}`, "latin1"),
    );
    await waitFor(() => statuses(c.text()).length > 0, { what: `an answer (pad ${pad.charCodeAt(0)})`, timeoutMs: 5_000 });
    expect(statuses(c.text())).toEqual([400]);
  }
  await w.proxy.close();
  expect(w.store.audit.query({ userId: "alice" }).filter((r) => r.method === "tools/call")).toEqual([]);
});

test("dot segments resolve the same on every path: /A/echo/../../B/echo/mcp is B's request, with B's key", async () => {
  const { w, port, alice } = await bound();
  const bob = addUser(w.store, w.keyring, "bob", w.service, "key-of-bob");
  for (const dots of ["..", "%2e%2e", "%2E."]) {
    const c = await open(port);
    c.sock.write(post(`/${alice.id}/echo/${dots}/${dots}/${bob.id}/echo/mcp`, body(25)));
    await waitFor(() => answers(c.text()).length === 1, { what: "the answer" });
    expect(whoamiOf(answers(c.text())[0]).fingerprint).toBe(fingerprint("key-of-bob"));
  }
});

test("a head trickled a byte at a time is cut off at the request deadline with 408, though every byte restarts the idle timer", async () => {
  const { port, path } = await bound({ requestDeadlineMs: 1_000 });
  const c = await open(port);
  const head = post(path, body(26));
  let i = 0;
  const trickle = setInterval(() => (i < head.length ? c.sock.write(head[i++]!) : clearInterval(trickle)), 50);
  try {
    await c.closed;
  } finally {
    clearInterval(trickle);
  }
  expect(statuses(c.text())).toEqual([408]);
  // Cut off well before the head was all sent (a byte every 50 ms takes over 10 s).
  expect(i).toBeLessThan(head.length);
});

