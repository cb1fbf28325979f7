import { describe, expect, test } from "bun:test";
import { instanceUrl, proxyAddress, urlBase } from "../../src/accounts/instanceUrl.ts";
import { checkPublicUrl } from "../../src/config/publicUrl.ts";
import { hashInstanceId, newInstanceId, refOf, USER_ID_PATTERN, userOfRef } from "../../src/accounts/instanceId.ts";
import { defaultUserId, sanitizeUserId } from "../../src/accounts/userId.ts";

const demo = { name: "demo", mcpPath: "/mcp" };

describe("instance URLs", () => {
  test("default to 127.0.0.1:8080 and follow http://{host}:{port}/{id}/{service}{path}", () => {
    expect(instanceUrl(proxyAddress({}, {}), "demo_alice_X", demo)).toBe("http://127.0.0.1:8080/demo_alice_X/demo/mcp");
    expect(instanceUrl(proxyAddress({}, {}), "sl_bob_Y", { name: "legacy", mcpPath: "/sse" })).toBe("http://127.0.0.1:8080/sl_bob_Y/legacy/sse");
  });

  test("flags win over MCPD_HOST/MCPD_PORT, which win over the default; IPv6 gets brackets", () => {
    const env = { MCPD_HOST: "mcp.lan", MCPD_PORT: "9000" };
    expect(proxyAddress({}, env)).toEqual({ host: "mcp.lan", port: 9000 });
    expect(proxyAddress({ host: "10.0.0.2", port: "8443" }, env)).toEqual({ host: "10.0.0.2", port: 8443 });
    expect(instanceUrl({ host: "::1", port: 8080 }, "i", demo)).toBe("http://[::1]:8080/i/demo/mcp");
  });

  test("a port out of range is refused naming where it came from", () => {
    expect(() => proxyAddress({ port: "70000" }, {})).toThrow("--port: 70000 is not a port number (1-65535)");
    expect(() => proxyAddress({}, { MCPD_PORT: "http" })).toThrow("MCPD_PORT: http is not a port number (1-65535)");
  });
});

describe("where printed URLs begin (one decision)", () => {
  const daemon = (url: string | null) => async () => url;
  test("the public URL, else this command's --host/--port, else the running daemon, else the configured address with a note", async () => {
    const env = { MCPD_PORT: "9000" };
    expect(await urlBase({ publicUrl: "https://mcp.example.com", flags: { port: "1" }, env, daemonUrl: daemon("http://127.0.0.1:5") })).toEqual({ base: "https://mcp.example.com", from: "public-url", note: null });
    expect(await urlBase({ publicUrl: null, flags: { port: "8443" }, env, daemonUrl: daemon("http://127.0.0.1:5") })).toEqual({ base: "http://127.0.0.1:8443", from: "flags", note: null });
    expect(await urlBase({ publicUrl: null, flags: {}, env, daemonUrl: daemon("http://127.0.0.1:5") })).toEqual({ base: "http://127.0.0.1:5", from: "daemon", note: null });
    const none = await urlBase({ publicUrl: null, flags: {}, env, daemonUrl: daemon(null) });
    expect(none).toMatchObject({ base: "http://127.0.0.1:9000", from: "configured" });
    expect(none.note).toContain("nothing listens on http://127.0.0.1:9000 yet");
  });

  test("a daemon on every address gets a note asking for --public-url", async () => {
    const r = await urlBase({ publicUrl: null, flags: {}, env: {}, daemonUrl: daemon("http://0.0.0.0:8080") });
    expect(r.note).toContain("mcpd start --public-url");
  });

  test("public URLs lose a trailing slash and may not carry a query, fragment or credentials", () => {
    expect(checkPublicUrl("https://mcp.example.com/")).toBe("https://mcp.example.com");
    expect(checkPublicUrl("http://lb.lan:8443/mcpd/")).toBe("http://lb.lan:8443/mcpd");
    for (const bad of ["mcp.example.com", "ftp://x", "https://a/?x=1", "https://a/#f", "https://u:p@a/"]) expect(() => checkPublicUrl(bad)).toThrow("--public-url");
  });
});

describe("instance ids", () => {
  test("are {prefix}_{user}_{22 base62 digits} (>128 bits), all different, and refs hide the random part", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newInstanceId("fig", "alice")));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^fig_alice_[0-9A-Za-z]{22}$/);
    expect(22 * Math.log2(62)).toBeGreaterThan(128);
    const [id] = ids;
    const ref = refOf("fig", "alice", hashInstanceId(id!));
    expect(ref).toMatch(/^fig_alice_[0-9a-f]{8}$/);
    expect(id!.includes(ref.slice(-8))).toBe(false);
  });

  test("a ref gives back its user id, whatever dots, dashes, underscores or @ the id has", () => {
    for (const user of ["alice", "Jane-Doe", "john.smith", "a", "x".repeat(64), "9-lives.v2", "alice_smith", "aa__", "alice+mcp@example.com", "a__b"]) {
      expect(user).toMatch(USER_ID_PATTERN);
      expect(userOfRef(refOf("fig", user, hashInstanceId(newInstanceId("fig", user))))).toBe(user);
    }
  });
});

describe("the default user id", () => {
  test("is the login name made safe for URLs", () => {
    expect(sanitizeUserId("jane")).toBe("jane");
    expect(sanitizeUserId("Jane Doe")).toBe("Jane-Doe");
    expect(sanitizeUserId("_svc$account_")).toBe("svc-account");
    expect(sanitizeUserId("DOMAIN\\john.smith")).toBe("DOMAIN-john.smith");
    expect(sanitizeUserId("")).toBe("user");
    expect(sanitizeUserId("ü")).toBe("user");
    expect(sanitizeUserId("x".repeat(100))).toHaveLength(64);
    expect(defaultUserId({ USER: "Jane Doe" })).toBe("Jane-Doe");
    expect(defaultUserId({ LOGNAME: "ops" })).toBe("ops");
    for (const n of ["a b", "-x", "ok", "a.b-c"]) expect(sanitizeUserId(n)).toMatch(USER_ID_PATTERN);
  });
});
