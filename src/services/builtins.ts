import demoConfig from "../../mcp-ports/demo/config.json" with { type: "json" };
import figmaConfig from "../../mcp-ports/figma/config.json" with { type: "json" };
import githubConfig from "../../mcp-ports/github/config.json" with { type: "json" };
import slackConfig from "../../mcp-ports/slack/config.json" with { type: "json" };
import { McpdError } from "../util/errors.ts";
import type { BuiltinRef } from "./types.ts";

/**
 * The services compiled into the mcpd binary, by `run.builtin` id. The dynamic imports are
 * static strings, so `bun build --compile` still bundles every server; a host evaluates its
 * server's code (and the MCP SDK, most of a child's start-up CPU and memory) only when the
 * first MCP request arrives, so a fleet of idle services boots and sits cheaply.
 */
export const BUILTINS: Readonly<Record<string, BuiltinRef>> = Object.freeze({
  demo: { id: "demo", config: demoConfig, load: async () => (await import("../../mcp-ports/demo/server.ts")).demo },
  figma: { id: "figma", config: figmaConfig, load: async () => (await import("../../mcp-ports/figma/server.ts")).figma },
  github: { id: "github", config: githubConfig, load: async () => (await import("../../mcp-ports/github/server.ts")).github },
  slack: { id: "slack", config: slackConfig, load: async () => (await import("../../mcp-ports/slack/server.ts")).slack },
});

/** The builtin named `id`, or an error listing the ones there are. */
export function builtinOf(id: string): BuiltinRef {
  const builtin = BUILTINS[id];
  if (!builtin) throw new McpdError("usage", `no builtin service "${id}" (known: ${Object.keys(BUILTINS).sort().join(", ")})`);
  return builtin;
}
