// The user's own key never comes back out: a service that answers with it (a tool echoing
// its input, an upstream error quoting the request) is answered to the client with
// [redacted], on the full path and on the front's lane alike, whole answers and streams.
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { addUser, reach, rpc, world, type Via, type World } from "./harness.ts";

const KEY = "ghp_Secret0000Key1111Of2222Alice";
const B64 = Buffer.from(KEY).toString("base64");

/** A service that answers every POST with `answer(body)`, written in the pieces it gives, `gapMs` apart. */
function rawService(answer: (body: string) => string[], gapMs = 0, between?: () => Promise<void>): TCPSocketListener<{ got: string }> {
  return Bun.listen<{ got: string }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open: (s) => void (s.data = { got: "" }),
      async data(s: Socket<{ got: string }>, d) {
        s.data.got += d.toString();
        const end = s.data.got.indexOf("\r\n\r\n");
        if (end < 0) return;
        const length = Number(/content-length: *(\d+)/i.exec(s.data.got.slice(0, end))?.[1] ?? 0);
        if (s.data.got.length < end + 4 + length) return;
        const body = s.data.got.slice(end + 4, end + 4 + length);
        s.data.got = "";
        const pieces = answer(body);
        for (const [i, p] of pieces.entries()) {
          if (i > 0) (await between?.(), gapMs && (await Bun.sleep(gapMs)));
          s.write(p);
        }
      },
    },
  });
}

const json = (body: string) => [`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`];
const chunk = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;

let w: World | null = null;
let svc: TCPSocketListener<{ got: string }> | null = null;
afterEach(async () => {
  svc?.stop(true);
  svc = null;
  await w?.cleanup();
  w = null;
});

async function setUp(service: TCPSocketListener<{ got: string }>) {
  w = await world();
  svc = service;
  w.gate.acquire = () => Promise.resolve({ port: service.port });
  return { w, alice: addUser(w.store, w.keyring, "alice", w.service, KEY) };
}

const call = (url: string, id = 5) => rpc(url, { jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo", arguments: {} } });

for (const via of ["function", "front"] as Via[]) {
  describe(`via ${via}`, () => {
    test("a whole answer carrying the key, its base64 and its percent-encoding arrives [redacted]; a look-alike passes; audited secret-redacted", async () => {
      const answer = JSON.stringify({ jsonrpc: "2.0", id: 5, result: { content: [{ type: "text", text: `you sent ${KEY} (${B64}); GET /x?token=${encodeURIComponent(KEY)}; not it: ${KEY.slice(0, -1)}X` }] } });
      const { w, alice } = await setUp(rawService(() => json(answer)));
      const r = reach(w, via);
      try {
        const res = await r.proxy.fetch(call(w.url(alice.id)), null);
        const text = await res.text();
        expect(res.status).toBe(200);
        expect(text).not.toContain(KEY);
        expect(text).not.toContain(B64.replace(/=+$/, ""));
        expect(JSON.parse(text).result.content[0].text).toBe(`you sent [redacted] ([redacted]=); GET /x?token=[redacted]; not it: ${KEY.slice(0, -1)}X`);
        expect(Number(res.headers.get("content-length") ?? text.length)).toBe(Buffer.byteLength(text));
      } finally {
        await r.close();
      }
      await w.proxy.close();
      expect(w.store.audit.query({ userId: "alice" }).map((row) => row.event)).toContain("secret-redacted");
    });

    test("an event stream that splits the key across two writes arrives [redacted], and its first event is not held for the second", async () => {
      let firstSeen!: () => void;
      const seen = new Promise<void>((r) => (firstSeen = r));
      const head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";
      const log = (data: string) => `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data } })}\n\n`;
      const first = log("first event");
      const half = Math.floor(KEY.length / 2);
      const secondEvent = log(`key=${KEY}`);
      const cut = secondEvent.indexOf(KEY) + half;
      const result = `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", id: 5, result: { content: [{ type: "text", text: "done" }] } })}\n\n`;
      const { w, alice } = await setUp(
        rawService(() => [head + chunk(first) + chunk(secondEvent.slice(0, cut)), chunk(secondEvent.slice(cut) + result) + "0\r\n\r\n"], 0, () => seen),
      );
      const r = reach(w, via);
      try {
        const res = await r.proxy.fetch(call(w.url(alice.id)), null);
        const reader = res.body!.getReader();
        let got = "";
        while (!got.includes("first event")) got += new TextDecoder().decode((await reader.read()).value);
        // The service sends the rest only once the client has the first event.
        firstSeen();
        for (let c = await reader.read(); !c.done; c = await reader.read()) got += new TextDecoder().decode(c.value);
        expect(got).not.toContain(KEY);
        expect(got).not.toContain(KEY.slice(0, half));
        expect(got).toContain('"data":"key=[redacted]"');
        expect(got).toContain('"text":"done"');
      } finally {
        await r.close();
      }
    });
  });
}
