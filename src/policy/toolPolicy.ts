import { McpdError } from "../util/errors.ts";

/**
 * What an instance URL may call: every tool (no policy, the default), only tools whose
 * names match one of `allow`'s globs, only tools the service annotates
 * `readOnlyHint: true`, or both at once. Stored with the instance as JSON text (NULL = all).
 */
export interface ToolPolicy {
  /** `*` any run of characters, `?` one; null when names are not restricted */
  allow: readonly string[] | null;
  readOnly: boolean;
}

/** A policy ready to decide: the globs made one expression once, not per request. */
export interface CompiledPolicy extends ToolPolicy {
  names: RegExp | null;
}

const GLOB = /^[^,\s]{1,128}$/;

/** `--tools 'get_*,list_*'` → the globs, or a one-line error naming the bad one. */
export function parseGlobs(text: string): string[] {
  const globs = text.split(",").map((g) => g.trim()).filter((g) => g !== "");
  if (globs.length === 0) throw new McpdError("bad-tools", "--tools needs at least one tool name or glob, e.g. --tools 'get_*,list_*'");
  for (const g of globs) if (!GLOB.test(g)) throw new McpdError("bad-tools", `--tools: "${g}" is not a tool name or glob (no spaces, at most 128 characters)`);
  return globs;
}

/** The policy a set of CLI flags asks for; null means all tools. */
export function policyOf(opts: { tools?: string; readOnly?: boolean }): ToolPolicy | null {
  const allow = opts.tools === undefined ? null : parseGlobs(opts.tools);
  if (allow === null && !opts.readOnly) return null;
  return { allow, readOnly: opts.readOnly === true };
}

export function encodePolicy(p: ToolPolicy | null): string | null {
  return p === null ? null : JSON.stringify({ allow: p.allow, readOnly: p.readOnly });
}

/**
 * The stored text back into a policy. A record that does not parse denies every tool
 * rather than granting all of them: a policy exists to take rights away.
 */
export function decodePolicy(text: string | null): ToolPolicy | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as { allow?: unknown; readOnly?: unknown };
    const allow = Array.isArray(v.allow) && v.allow.every((g) => typeof g === "string") ? (v.allow as string[]) : v.allow === null ? null : [];
    return { allow, readOnly: v.readOnly === true };
  } catch {
    return { allow: [], readOnly: false };
  }
}

export function compilePolicy(p: ToolPolicy): CompiledPolicy {
  const names = p.allow === null ? null : new RegExp(`^(?:${p.allow.map(globSource).join("|") || "(?!)"})$`);
  return { ...p, names };
}

const globSource = (g: string) => g.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");

/** How a policy reads in `user list`, `status --json` and the denial message. */
export function describePolicy(p: ToolPolicy | null): string {
  if (p === null) return "all tools";
  const parts = [...(p.allow ? [`only ${p.allow.join(",")}`] : []), ...(p.readOnly ? ["read-only"] : [])];
  return parts.join(", ") || "no tools";
}

/**
 * Whether `tool` may be called. `readOnlyHint` is what the service's own tools/list said
 * of it (undefined when mcpd has not seen the tool listed): a read-only policy allows only
 * a tool the service itself marked read-only.
 */
export function allows(p: CompiledPolicy, tool: string, readOnlyHint: boolean | undefined): boolean {
  if (p.names && !p.names.test(tool)) return false;
  if (p.readOnly && readOnlyHint !== true) return false;
  return true;
}
