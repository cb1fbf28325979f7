import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { demo } from "../../mcp-ports/demo/server.ts";
import { BUILTINS, builtinOf } from "../../src/services/builtins.ts";
import { hostConfig } from "../../src/services/config.ts";
import { credentialFrom, fingerprintOf, scrub } from "../../src/services/credential.ts";
import { createServiceHandler } from "../../src/services/host.ts";
import { createMcpEndpoint } from "../../src/services/mcpEndpoint.ts";
import { retryAfterSeconds } from "../../src/services/upstreamFetch.ts";
import { waitFor } from "../helpers/net.ts";
import { ROOT } from "./harness.ts";

const bearer = { header: "Authorization", format: "Bearer {secret}" };

describe("reading the injected credential", () => {
  test("the inject format is taken off, the scheme's case does not matter", () => {
    expect(credentialFrom({ authorization: "Bearer ghp_abc" }, bearer)?.reveal()).toBe("ghp_abc");
    expect(credentialFrom({ authorization: "bearer ghp_abc" }, bearer)?.reveal()).toBe("ghp_abc");
    expect(credentialFrom({ "x-figma-token": "figd_1" }, { header: "X-Figma-Token", format: "{secret}" })?.reveal()).toBe("figd_1");
  });

  test("a missing, empty or differently wrapped header gives no credential", () => {
    expect(credentialFrom({}, bearer)).toBeUndefined();
    expect(credentialFrom({ authorization: "Bearer " }, bearer)).toBeUndefined();
    expect(credentialFrom({ authorization: "Basic dXNlcjpwYXNz" }, bearer)).toBeUndefined();
  });

  test("the credential never prints, and scrub removes it from messages", () => {
    const s = credentialFrom({ authorization: "Bearer ghp_topsecret" }, bearer)!;
    expect(`${s}`).toBe("[secret]");
    expect(JSON.stringify({ s })).toBe('{"s":"[secret]"}');
    expect(scrub("GET /x?t=ghp_topsecret failed", s)).toBe("GET /x?t=[secret] failed");
    expect(fingerprintOf(s)).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe("tool input schemas", () => {
  test("are built once per host, not once per session", () => {
    const ctx = hostConfig(demo, {}).context;
    type Registered = { _registeredTools: Record<string, { inputSchema: unknown }> };
    const [a, b] = [demo.create(ctx), demo.create(ctx)] as unknown as Registered[];
    for (const name of ["whoami", "echo", "slow_count", "note_set", "note_get"]) {
      expect(a!._registeredTools[name]!.inputSchema).toBeDefined();
      expect(a!._registeredTools[name]!.inputSchema).toBe(b!._registeredTools[name]!.inputSchema);
    }
  });
});

describe("the wait an upstream asks for", () => {
  const now = Date.parse("2026-11-24T10:00:00Z");
  test("Retry-After in seconds or as a date", () => {
    expect(retryAfterSeconds(new Headers({ "retry-after": "12" }), now)).toBe(12);
    expect(retryAfterSeconds(new Headers({ "retry-after": "Tue, 24 Nov 2026 10:01:00 GMT" }), now)).toBe(60);
  });
  test("GitHub's x-ratelimit-reset when nothing remains", () => {
    const reset = String(now / 1000 + 90);
    expect(retryAfterSeconds(new Headers({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset }), now)).toBe(90);
    expect(retryAfterSeconds(new Headers({ "x-ratelimit-remaining": "5", "x-ratelimit-reset": reset }), now)).toBeUndefined();
  });
});

describe("host config", () => {
  test("the config on disk wins; the bundled copy serves without one", () => {
    const disk = hostConfig(demo, { MCPD_SERVICE_DIR: join(ROOT, "mcp-ports/demo") });
    expect(disk.source).toBe(join(ROOT, "mcp-ports/demo/config.json"));
    const bundled = hostConfig(demo, {});
    expect(bundled.source).toBe("bundled config of builtin demo");
    expect(bundled.context.credential).toEqual({ header: "X-Demo-Key", format: "{secret}" });
    expect(bundled).toMatchObject({ mcpPath: "/mcp", healthPath: "/health" });
  });

  test("each builtin the registry lists loads the service of that id, with the config it starts on", async () => {
    for (const [id, ref] of Object.entries(BUILTINS)) {
      const loaded = await ref.load();
      expect({ id: loaded.id, config: loaded.config }).toEqual({ id, config: ref.config });
    }
  });
});

const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
};
const mcpRequest = (body: unknown, headers: Record<string, string> = {}) =>
  new Request("http://127.0.0.1/mcp", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(body),
  });

describe("the request path, without a port", () => {
  const context = hostConfig(demo, {}).context;
  const handler = createServiceHandler({ builtin: builtinOf("demo"), context, mcpPath: "/mcp", internalToken: "tok", maxBodyBytes: 1024 });
  afterAll(() => handler.close());

  test("health is open, everything else needs the token, unknown paths are 404", async () => {
    expect((await handler.fetch(new Request("http://127.0.0.1/health"))).status).toBe(200);
    expect((await handler.fetch(mcpRequest(initialize))).status).toBe(401);
    expect((await handler.fetch(mcpRequest(initialize, { "x-mcpd-internal": "tok" }))).status).toBe(200);
    expect((await handler.fetch(new Request("http://127.0.0.1/other", { headers: { "x-mcpd-internal": "tok" } }))).status).toBe(404);
  });

  test("/sse answers 404 saying legacy HTTP+SSE is for stdio services and where the MCP endpoint is", async () => {
    const res = await handler.fetch(new Request("http://127.0.0.1/sse", { headers: { "x-mcpd-internal": "tok", accept: "text/event-stream" } }));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe(
      "no such path /sse: demo is a built-in service and speaks Streamable HTTP only, at /mcp; legacy HTTP+SSE (/sse) is served for stdio services",
    );
  });

  test("a body over the limit is refused with 413, a GET without a session with 405", async () => {
    const big = mcpRequest({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "x".repeat(2000) } } }, { "x-mcpd-internal": "tok" });
    expect((await handler.fetch(big)).status).toBe(413);
    const get = new Request("http://127.0.0.1/mcp", { headers: { "x-mcpd-internal": "tok", accept: "text/event-stream" } });
    expect((await handler.fetch(get)).status).toBe(405);
  });

  test("the service's code loads on the first MCP request; a load that fails is a 500, and the next request loads again", async () => {
    const loads: string[] = [];
    const flaky = {
      ...builtinOf("demo"),
      load: async () => {
        loads.push("load");
        if (loads.length === 1) throw new Error("bundle damaged");
        return demo;
      },
    };
    const h = createServiceHandler({ builtin: flaky, context, mcpPath: "/mcp", internalToken: "tok", maxBodyBytes: 1 << 20 });
    try {
      expect((await h.fetch(new Request("http://127.0.0.1/health"))).status).toBe(200);
      expect(loads).toEqual([]);
      const failed = await h.fetch(mcpRequest(initialize, { "x-mcpd-internal": "tok" }));
      expect(failed.status).toBe(500);
      expect(await failed.json()).toMatchObject({ error: { message: "demo could not handle the request" } });
      expect((await h.fetch(mcpRequest(initialize, { "x-mcpd-internal": "tok" }))).status).toBe(200);
      expect(loads).toEqual(["load", "load"]);
    } finally {
      await h.close();
    }
  });

  test("an idle session is closed and its id then answers 404", async () => {
    const endpoint = createMcpEndpoint({ makeServer: () => demo.create(context), maxBodyBytes: 1 << 20, sessionIdleMs: 50 });
    try {
      const res = await endpoint.handle(mcpRequest(initialize));
      const sid = res.headers.get("mcp-session-id")!;
      await res.text();
      expect(endpoint.sessionCount).toBe(1);
      await waitFor(() => endpoint.sessionCount === 0, { what: "the idle session to close" });
      expect((await endpoint.handle(mcpRequest({ jsonrpc: "2.0", id: 2, method: "tools/list" }, { "mcp-session-id": sid }))).status).toBe(404);
    } finally {
      await endpoint.close();
    }
  });
});
