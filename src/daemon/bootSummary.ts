import type { StateChange } from "../control/types.ts";

/** How a service started at boot first settled: up, or why not. */
type Outcome = { ok: true } | { ok: false; reason: string };

/**
 * One line once every service started at boot has come up or failed for the first time.
 * A daemon beside another on the same mcp-ports finds every port taken: without this its
 * output is a scroll of per-service lines, and the one fact that matters (nothing of mine
 * runs) is left to the reader to add up.
 */
export function bootSummary(services: readonly string[], onChange: (fn: (c: StateChange) => void) => () => void, log: (line: string) => void): () => void {
  const outcomes = new Map<string, Outcome>();
  if (services.length === 0) return () => {};
  const off = onChange((c) => {
    if (!services.includes(c.service) || outcomes.has(c.service)) return;
    if (c.to === "healthy") outcomes.set(c.service, { ok: true });
    else if (c.to === "failed" || c.to === "backing-off" || c.to === "unhealthy") outcomes.set(c.service, { ok: false, reason: c.reason });
    else return;
    if (outcomes.size < services.length) return;
    off();
    log(summaryLine(services, outcomes));
  });
  return off;
}

export function summaryLine(services: readonly string[], outcomes: ReadonlyMap<string, Outcome>): string {
  const failed = services.filter((s) => outcomes.get(s)?.ok === false);
  const n = services.length;
  if (failed.length === 0) return `all ${n} services started at boot are healthy`;
  const reasons = failed.map((s) => (outcomes.get(s) as { reason: string }).reason);
  const allPorts = reasons.every((r) => /port \d+ is already in use/.test(r));
  if (failed.length === n) {
    const hint = allPorts ? "every port is taken: is another mcpd serving these mcp-ports? give this one its own ports (--ports DIR)" : `first: ${failed[0]}: ${reasons[0]}`;
    return `none of the ${n} services started at boot is running (${hint}); see: mcpd status`;
  }
  return `${failed.length} of ${n} services started at boot failed: ${failed.join(", ")}; see: mcpd status`;
}
