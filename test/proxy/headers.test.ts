import { expect, test } from "bun:test";
import { formatCredential, requestHeaders, responseHeaders } from "../../src/proxy/headers.ts";

const inj = { credentialHeader: "Authorization", credentialValue: "Bearer user-key", userId: "alice", instanceRef: "fig_alice_abcd1234", internalToken: "tok" };

test("hop-by-hop headers, names listed in Connection, x-mcpd-* and the credential header are dropped", () => {
  const out = requestHeaders(
    new Headers({
      connection: "close, X-Secret-Hop",
      "x-secret-hop": "1",
      "keep-alive": "timeout=5",
      te: "trailers",
      upgrade: "websocket",
      "proxy-authorization": "Basic x",
      "transfer-encoding": "chunked",
      authorization: "Bearer client-chosen",
      "x-mcpd-user": "mallory",
      "X-Mcpd-Internal": "guess",
      host: "evil.example",
      "content-length": "12",
      "accept-encoding": "gzip",
      accept: "application/json, text/event-stream",
    }),
    inj,
  );
  const seen: Record<string, string> = {};
  out.forEach((v, k) => (seen[k] = v));
  expect(seen).toEqual({
    accept: "application/json, text/event-stream",
    "accept-encoding": "identity",
    authorization: "Bearer user-key",
    "x-mcpd-user": "alice",
    "x-mcpd-instance": "fig_alice_abcd1234",
    "x-mcpd-internal": "tok",
  });
});

test("MCP's own headers pass through unchanged", () => {
  const h = { "mcp-session-id": "s1", "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "whoami", "last-event-id": "42" };
  const out = requestHeaders(new Headers(h), inj);
  for (const [k, v] of Object.entries(h)) expect(out.get(k)).toBe(v);
});

test("a user with no stored key gets no credential header at all, not the client's", () => {
  const out = requestHeaders(new Headers({ authorization: "Bearer client" }), { ...inj, credentialValue: null });
  expect(out.has("authorization")).toBe(false);
});

test("inject.format wraps the secret", () => {
  expect(formatCredential("Bearer {secret}", "abc")).toBe("Bearer abc");
  expect(formatCredential("{secret}", "a{secret}b")).toBe("a{secret}b");
  expect(formatCredential("Bearer {secret}", "k$&y$1")).toBe("Bearer k$&y$1");
});

test("response headers lose hop-by-hop and x-mcpd-* but keep the session id", () => {
  const out = responseHeaders(new Headers({ connection: "x-a", "x-a": "1", "x-mcpd-internal": "t", "mcp-session-id": "s", "content-length": "5" }), { keepLength: false });
  expect(out.get("mcp-session-id")).toBe("s");
  expect(out.has("x-a")).toBe(false);
  expect(out.has("x-mcpd-internal")).toBe(false);
  expect(out.has("content-length")).toBe(false);
});
