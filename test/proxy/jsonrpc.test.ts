import { expect, test } from "bun:test";
import { peekRpc } from "../../src/proxy/jsonrpc.ts";
import { errorResponse } from "../../src/proxy/errors.ts";

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const JSON_CT = "application/json";

test("the method, tool and ids of a request are read from its body", () => {
  expect(peekRpc(enc({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "whoami", arguments: {} } }), JSON_CT)).toEqual({ method: "tools/call", tool: "whoami", ids: [4], batch: false, calls: 1, tools: ["whoami"], listIds: [], partial: false });
  expect(peekRpc(enc({ jsonrpc: "2.0", method: "notifications/initialized" }), JSON_CT)).toEqual({ method: "notifications/initialized", tool: null, ids: [], batch: false, calls: 0, tools: [], listIds: [], partial: false });
  expect(peekRpc(enc([{ jsonrpc: "2.0", id: "a", method: "ping" }, { jsonrpc: "2.0", id: "b", method: "tools/list" }]), JSON_CT)).toEqual({ method: "ping", tool: null, ids: ["a", "b"], batch: true, calls: 0, tools: [], listIds: ["b"], partial: false });
});

test("a response from the client has no method and no waiting id", () => {
  expect(peekRpc(enc({ jsonrpc: "2.0", id: 9, result: {} }), JSON_CT)).toEqual({ method: null, tool: null, ids: [], batch: false, calls: 0, tools: [], listIds: [], partial: false });
});

test("non-JSON-RPC bodies are not JSON-RPC", () => {
  expect(peekRpc(enc({ hello: 1 }), JSON_CT)).toBeNull();
  expect(peekRpc(new TextEncoder().encode("{broken"), JSON_CT)).toBeNull();
  expect(peekRpc(enc({ jsonrpc: "2.0", id: 1, method: "x" }), "text/plain")).toBeNull();
});

test("a huge body is only scanned at its head", () => {
  const body = enc({ jsonrpc: "2.0", id: 12, method: "tools/call", params: { name: "upload", arguments: { data: "x".repeat(400_000) } } });
  expect(peekRpc(body, JSON_CT)).toEqual({ method: "tools/call", tool: "upload", ids: [12], batch: false, calls: 1, tools: ["upload"], listIds: [], partial: true });
  // A tool policy must see every call, so it asks for the whole body.
  expect(peekRpc(body, JSON_CT, true)?.partial).toBe(false);
});

test("every tool a batch calls is named, a call without a string name as null", () => {
  const batch = [
    { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "get_issue" } },
    { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: 7 } },
    { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "create_issue" } },
  ];
  expect(peekRpc(enc(batch), JSON_CT)?.tools).toEqual(["get_issue", null, "create_issue"]);
});

test("proxy errors answer each waiting id of a batch", async () => {
  const res = errorResponse({ status: 503, code: "service-unavailable", message: "service figma is restarting" }, { method: "ping", tool: null, ids: [1, 2], batch: true, calls: 0, tools: [], listIds: [], partial: false });
  expect(res.status).toBe(503);
  expect(((await res.json()) as any[]).map((m) => m.id)).toEqual([1, 2]);
});
