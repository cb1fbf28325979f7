import { policyOf, type ToolPolicy } from "../policy/toolPolicy.ts";
import { McpdError } from "../util/errors.ts";

/** `--tools` / `--read-only` / `--all-tools` → the policy to set; undefined when none is given (a live URL keeps its own). */
export function toolsOption(opts: { tools?: string; allow?: string; readOnly?: boolean; allTools?: boolean; all?: boolean }): ToolPolicy | null | undefined {
  const globs = opts.tools ?? opts.allow;
  const all = opts.allTools === true || opts.all === true;
  if (all && (globs !== undefined || opts.readOnly)) throw new McpdError("usage", "all tools, or a restriction (names, read-only): not both");
  if (all) return null;
  if (globs === undefined && !opts.readOnly) return undefined;
  return policyOf({ tools: globs, readOnly: opts.readOnly });
}
