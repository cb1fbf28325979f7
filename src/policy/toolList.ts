import { allows, type CompiledPolicy } from "./toolPolicy.ts";

/**
 * What each service said of its tools' `readOnlyHint`, learned from the tools/list answers
 * that pass through an instance with a policy. A read-only policy needs it to decide a
 * call; a tool never seen listed is not known to be read-only, so it is refused.
 */
export class ToolCatalog {
  private readonly byService = new Map<string, Map<string, boolean>>();

  learn(service: string, tools: readonly unknown[]): void {
    let known = this.byService.get(service);
    if (!known) this.byService.set(service, (known = new Map()));
    for (const t of tools) {
      const tool = t as { name?: unknown; annotations?: { readOnlyHint?: unknown } } | null;
      if (typeof tool?.name === "string") known.set(tool.name, tool.annotations?.readOnlyHint === true);
    }
  }

  /** true/false as the service last listed it; undefined when it has not listed the tool. */
  readOnly(service: string, tool: string): boolean | undefined {
    return this.byService.get(service)?.get(tool);
  }
}

/**
 * The rewrite for the answers to a request's tools/list calls: each answer (a JSON-RPC
 * response whose id is one of `listIds`) keeps only the tools `policy` allows, after the
 * catalog learned all of them. Returns the message to send instead, or undefined to send
 * it as it is.
 */
export function toolListRewrite(policy: CompiledPolicy, listIds: readonly (string | number)[], service: string, catalog: ToolCatalog) {
  const waiting = new Set(listIds);
  const one = (m: unknown): unknown | undefined => {
    const msg = m as { id?: unknown; result?: { tools?: unknown } } | null;
    if (!msg || typeof msg !== "object" || !waiting.has(msg.id as string | number) || !Array.isArray(msg.result?.tools)) return undefined;
    const tools = msg.result.tools as Array<{ name?: unknown }>;
    catalog.learn(service, tools);
    const kept = tools.filter((t) => typeof t?.name === "string" && allows(policy, t.name, catalog.readOnly(service, t.name)));
    return { ...msg, result: { ...msg.result, tools: kept } };
  };
  return (m: unknown): unknown | undefined => {
    if (!Array.isArray(m)) return one(m);
    let changed = false;
    const out = m.map((x) => {
      const r = one(x);
      if (r === undefined) return x;
      changed = true;
      return r;
    });
    return changed ? out : undefined;
  };
}
