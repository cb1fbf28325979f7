import type { PortProblem } from "./ports.ts";

/**
 * Waits between checks of a service's port found taken at launch: about 10 s in all.
 * Most holders at boot are passing — an outgoing connection on the machine took the port
 * as its local port (the historic 49160+ ports lie in Linux's ephemeral range), or a
 * previous mcpd's child is still on its way out — so one failed check is no verdict.
 */
export const PORT_RETRY_DELAYS_MS: readonly number[] = [250, 500, 1_000, 2_000, 3_000, 3_000];

/**
 * After the `failedChecks`-th failed check (1 for the first), `sinceFirstMs` after the
 * first: how long to wait before checking again, or null to give up and fail. A port held
 * only by a connection in TIME-WAIT is checked until the kernel must have freed it.
 */
export function nextPortCheckMs(failedChecks: number, sinceFirstMs: number, problem: PortProblem, delaysMs: readonly number[] = PORT_RETRY_DELAYS_MS): number | null {
  if (failedChecks <= delaysMs.length) return delaysMs[failedChecks - 1]!;
  const last = delaysMs.at(-1);
  if (last !== undefined && problem.clearsWithinMs !== undefined && sinceFirstMs < problem.clearsWithinMs) return last;
  return null;
}
