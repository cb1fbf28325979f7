import { expect, test } from "bun:test";
import { BodyFrame } from "../../src/front/frame.ts";
import { bodiless, field, parseHead, type Head } from "../../src/front/http1.ts";

const req = (s: string) => parseHead(Buffer.from(s), "request");

test("a request head: method, target, fields in order with lower-case names, its size and framing", () => {
  const text = "POST /ech_a_1/echo/mcp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive, close\r\n\r\n{}";
  const h = req(text) as Head;
  expect(h).toMatchObject({ method: "POST", target: "/ech_a_1/echo/mcp", contentLength: 2, chunked: false, close: true, size: text.length - 2 });
  expect(h.fields).toEqual(["host", "x", "content-type", "application/json", "content-length", "2", "connection", "keep-alive, close"]);
  expect(field(h, "content-type")).toBe("application/json");
  expect(req("POST / HTTP/1.1\r\nHost: x\r\n")).toBe("incomplete");
});

test("anything the front could frame differently from the service is odd, and goes to Bun's server whole", () => {
  const odd = [
    "POST / HTTP/1.0\r\n\r\n", // not 1.1
    "POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", // two lengths
    "POST / HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", // both framings
    "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", // a coding besides chunked
    "POST / HTTP/1.1\r\nContent-Length: +2\r\n\r\n", // not digits
    "POST / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n", // obs-fold
    "POST / HTTP/1.1\r\nX-A: 1\nX-B: 2\r\n\r\n", // bare LF inside the head
    "POST / HTTP/1.1\r\nX A: 1\r\n\r\n", // not a token
    "POST http://elsewhere/ HTTP/1.1\r\n\r\n", // absolute form
    "POST /a b HTTP/1.1\r\n\r\n",
  ];
  for (const text of odd) expect([text, req(text)]).toEqual([text, "odd"]);
  expect(parseHead(Buffer.alloc(70_000, 65), "request")).toBe("odd");
});

test("a response head: status, framing, and 1xx/204 answers carry no body", () => {
  const h = parseHead(Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nmcp-session-id: s1\r\n\r\n"), "response") as Head;
  expect(h).toMatchObject({ status: 200, chunked: true, contentLength: -1 });
  expect(field(h, "mcp-session-id")).toBe("s1");
  expect(parseHead(Buffer.from("HTTP/1.1 2000 OK\r\n\r\n"), "response")).toBe("odd");
  expect(parseHead(Buffer.from("HTTP/1.1 204\r\n\r\n"), "response")).toMatchObject({ status: 204 });
  expect([bodiless("POST", 204), bodiless("POST", 103), bodiless("HEAD", 200), bodiless("POST", 200)]).toEqual([true, true, true, false]);
});

/** Feeds `bytes` in pieces of `size`; returns where the body ended and the payload seen. */
function feedAll(frame: BodyFrame, bytes: Buffer, size: number): { end: number; payload: string } {
  let payload = "";
  let end = -1;
  for (let at = 0; at < bytes.byteLength && end < 0; at += size) {
    const piece = bytes.subarray(at, at + size);
    const stop = frame.feed(piece, 0, (b, s, e) => (payload += b.toString("latin1", s, e)));
    if (frame.done) end = at + stop;
  }
  return { end, payload };
}

test("a chunked body is followed to its end however the bytes are split, and what follows it is not taken", () => {
  const head = parseHead(Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), "response") as Head;
  const body = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n";
  const bytes = Buffer.from(`${body}HTTP/1.1 200 OK\r\n`);
  for (const size of [1, 2, 3, 7, 64]) {
    const frame = BodyFrame.of(head, false);
    expect(feedAll(frame, bytes, size)).toEqual({ end: body.length, payload: "hello, world" });
    expect(frame.broken).toBe(false);
  }
  const bad = BodyFrame.of(head, false);
  bad.feed(Buffer.from("zz\r\n"), 0);
  expect(bad.broken).toBe(true);
});

test("a body by length ends at its length; a bodiless answer ends at once", () => {
  const head = parseHead(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), "response") as Head;
  const frame = BodyFrame.of(head, false);
  expect(feedAll(frame, Buffer.from("hel"), 10)).toEqual({ end: -1, payload: "hel" });
  expect(frame.feed(Buffer.from("loNEXT"), 0)).toBe(2);
  expect(frame.done).toBe(true);
  expect(BodyFrame.of(head, true).done).toBe(true);
});

test("field values lose the blanks around them, not inside; names keep every token character, lower-cased", () => {
  const h = req("POST / HTTP/1.1\r\nX-A:\t v  w \t\r\nX~!#$%&'*+-.^_`|Z:1\r\nX-Empty:\r\nX-Colons: a:b\r\n\r\n") as Head;
  expect(h.fields).toEqual(["x-a", "v  w", "x~!#$%&'*+-.^_`|z", "1", "x-empty", "", "x-colons", "a:b"]);
  for (const text of ["POST / HTTP/1.1\r\n: v\r\n\r\n", "POST / HTTP/1.1\r\nX-\u00e9: v\r\n\r\n", "POST / HTTP/1.1\r\nNoColon\r\n\r\n"]) {
    expect(parseHead(Buffer.from(text, "latin1"), "request")).toBe("odd");
  }
});
