import { expect, test } from "bun:test";
import type { Service } from "../../src/registry/schema.ts";
import { commandOf, envOf } from "../../src/supervisor/spawn.ts";
import { RotatingLog } from "../../src/supervisor/logs.ts";
import { selfCommand } from "../../src/util/self.ts";

const base = { name: "figma", port: 49160, dir: "/srv/mcp-ports/figma" } as Service;

test("a builtin re-runs this mcpd with the hidden __service command, in its service dir", () => {
  expect(commandOf({ ...base, run: { builtin: "figma" } } as Service)).toEqual({ argv: [...selfCommand(), "__service", "figma"], cwd: "/srv/mcp-ports/figma" });
});

test("a command gets {port} replaced and its cwd resolved against the service dir", () => {
  const s = { ...base, run: { command: ["node", "server.js", "--port={port}"], cwd: "./app", env: {} } } as Service;
  expect(commandOf(s)).toEqual({ argv: ["node", "server.js", "--port=49160"], cwd: "/srv/mcp-ports/figma/app" });
});

test("the child env carries port, token and service, passes the daemon's env on, and never the master key", () => {
  const s = { ...base, run: { command: ["x"], cwd: ".", env: { EXTRA: "1" } } } as Service;
  const env = envOf({ service: s, internalToken: "tok", env: { FIGMA_API_BASE: "http://127.0.0.1:9", MCPD_MASTER_KEY: "k", PORT: "1" }, log: new RotatingLog("/dev/null") });
  expect(env).toMatchObject({ PORT: "49160", MCPD_INTERNAL_TOKEN: "tok", MCPD_SERVICE: "figma", FIGMA_API_BASE: "http://127.0.0.1:9", EXTRA: "1" });
  expect(env.MCPD_MASTER_KEY).toBeUndefined();
});
