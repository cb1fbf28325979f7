import { demo } from "../../mcp-ports/demo/server.ts";
import { figma } from "../../mcp-ports/figma/server.ts";
import { github } from "../../mcp-ports/github/server.ts";
import { slack } from "../../mcp-ports/slack/server.ts";
import { McpdError } from "../util/errors.ts";
import type { BuiltinService } from "./types.ts";

/**
 * The services compiled into the mcpd binary, by `run.builtin` id. Imported statically
 * so `bun build --compile` bundles them; `mcpd __service <id>` runs one.
 */
export const BUILTINS: Readonly<Record<string, BuiltinService>> = Object.freeze({
  [demo.id]: demo,
  [figma.id]: figma,
  [github.id]: github,
  [slack.id]: slack,
});

/** The builtin named `id`, or an error listing the ones there are. */
export function builtinOf(id: string): BuiltinService {
  const builtin = BUILTINS[id];
  if (!builtin) throw new McpdError("usage", `no builtin service "${id}" (known: ${Object.keys(BUILTINS).sort().join(", ")})`);
  return builtin;
}
