import { expect, test } from "bun:test";
import { allows, compilePolicy, decodePolicy, describePolicy, encodePolicy, parseGlobs, policyOf } from "../../src/policy/toolPolicy.ts";
import { ToolCatalog, toolListRewrite } from "../../src/policy/toolList.ts";
import { EventRewriter, rewriteJson } from "../../src/proxy/messageRewrite.ts";

test("globs match whole names: * any run, ? one character, everything else literally", () => {
  const p = compilePolicy({ allow: parseGlobs("get_*, list_?, search.code"), readOnly: false });
  expect(["get_me", "get_", "list_x", "search.code"].filter((t) => allows(p, t, undefined))).toEqual(["get_me", "get_", "list_x", "search.code"]);
  expect(["forget_me", "list_xy", "searchXcode", "create_issue"].filter((t) => allows(p, t, undefined))).toEqual([]);
});

test("read-only allows only what the service itself marked readOnlyHint: true, never a tool it has not listed", () => {
  const p = compilePolicy({ allow: null, readOnly: true });
  expect(allows(p, "get_me", true)).toBe(true);
  expect(allows(p, "create_issue", false)).toBe(false);
  expect(allows(p, "never_listed", undefined)).toBe(false);
  const both = compilePolicy({ allow: ["get_*"], readOnly: true });
  expect([allows(both, "get_me", true), allows(both, "list_repos", true), allows(both, "get_write", false)]).toEqual([true, false, false]);
});

test("a policy survives the store, and a record that does not parse denies every tool", () => {
  const p = policyOf({ tools: "get_*", readOnly: true })!;
  expect(decodePolicy(encodePolicy(p))).toEqual(p);
  expect(decodePolicy(encodePolicy(null))).toBeNull();
  const broken = decodePolicy("{not json");
  expect(broken).not.toBeNull();
  expect(allows(compilePolicy(broken!), "get_me", true)).toBe(false);
  expect(describePolicy(p)).toBe("only get_*, read-only");
  expect(describePolicy(null)).toBe("all tools");
  expect(() => parseGlobs(" , ")).toThrow("at least one");
  expect(() => parseGlobs("get me")).toThrow('"get me" is not a tool name');
});

test("a tools/list answer keeps the allowed tools, after the catalog learned every tool's hint; other messages pass as they were", () => {
  const catalog = new ToolCatalog();
  const rw = toolListRewrite(compilePolicy({ allow: null, readOnly: true }), [3], "gh", catalog);
  const answer = { jsonrpc: "2.0", id: 3, result: { tools: [{ name: "get_me", annotations: { readOnlyHint: true } }, { name: "create_issue", annotations: { readOnlyHint: false } }, { name: "bare" }], nextCursor: "c" } };
  expect(rw(answer)).toEqual({ jsonrpc: "2.0", id: 3, result: { tools: [{ name: "get_me", annotations: { readOnlyHint: true } }], nextCursor: "c" } });
  expect([catalog.readOnly("gh", "get_me"), catalog.readOnly("gh", "create_issue"), catalog.readOnly("gh", "bare")]).toEqual([true, false, false]);
  expect(rw({ jsonrpc: "2.0", id: 4, result: { tools: [{ name: "create_issue" }] } })).toBeUndefined();
  expect(rw({ jsonrpc: "2.0", method: "notifications/progress", params: {} })).toBeUndefined();
});

test("an event stream is rewritten event by event, however its bytes are split, and what is not a message passes byte for byte", () => {
  const rw = (m: unknown) => ((m as { id?: number }).id === 1 ? { jsonrpc: "2.0", id: 1, result: { tools: [] } } : undefined);
  const stream = ': open\r\n\r\nevent: message\r\nid: 7\r\ndata: {"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"x"}]}}\r\n\r\ndata: {"jsonrpc":"2.0","method":"ping"}\n\ndata: not json\n\n';
  const bytes = new TextEncoder().encode(stream);
  for (let cut = 1; cut < bytes.length; cut += 7) {
    const r = new EventRewriter(rw);
    const parts = [r.push(bytes.subarray(0, cut)), r.push(bytes.subarray(cut)), r.flush()];
    const out = parts.map((p) => (p ? new TextDecoder().decode(p) : "")).join("");
    expect(out).toBe(': open\r\n\r\nevent: message\nid: 7\ndata: {"jsonrpc":"2.0","id":1,"result":{"tools":[]}}\n\ndata: {"jsonrpc":"2.0","method":"ping"}\n\ndata: not json\n\n');
  }
  expect(new TextDecoder().decode(rewriteJson(new TextEncoder().encode("{bad"), rw))).toBe("{bad");
});
