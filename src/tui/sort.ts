import type { ServiceState, ServiceStatus } from "../control/types.ts";

/** The orders `s` cycles through, in this order. */
export const SORT_MODES = ["name", "state", "req/s", "errors", "p99"] as const;
export type SortMode = (typeof SORT_MODES)[number];

export function nextSortMode(mode: SortMode): SortMode {
  return SORT_MODES[(SORT_MODES.indexOf(mode) + 1) % SORT_MODES.length]!;
}

/** Worst first, so "sort by state" puts what needs attention at the top. */
const STATE_SEVERITY: Record<ServiceState, number> = {
  invalid: 1,
  failed: 1,
  "backing-off": 2,
  unhealthy: 3,
  restarting: 4,
  starting: 5,
  stopped: 6,
  idle: 7,
  healthy: 8,
};

/** Crash-looping beats every plain state: it is the one a self-hoster must see first. */
export function severity(s: Pick<ServiceStatus, "state" | "crashLoop">): number {
  return s.crashLoop ? 0 : (STATE_SEVERITY[s.state] ?? 9);
}

const byName = (a: ServiceStatus, b: ServiceStatus) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Nulls (no traffic yet) sort after every number. */
const descNullsLast = (a: number | null, b: number | null) => (a === b ? 0 : a == null ? 1 : b == null ? -1 : b - a);

const COMPARATORS: Record<SortMode, (a: ServiceStatus, b: ServiceStatus) => number> = {
  name: byName,
  state: (a, b) => severity(a) - severity(b),
  "req/s": (a, b) => b.metrics.requestsPerSec - a.metrics.requestsPerSec,
  errors: (a, b) => b.metrics.errorRate - a.metrics.errorRate || b.metrics.errors - a.metrics.errors,
  p99: (a, b) => descNullsLast(a.metrics.p99Ms, b.metrics.p99Ms),
};

/** A sorted copy; ties fall back to name so rows don't jitter between frames. */
export function sortServices(services: readonly ServiceStatus[], mode: SortMode): ServiceStatus[] {
  const cmp = COMPARATORS[mode];
  return [...services].sort((a, b) => cmp(a, b) || byName(a, b));
}

/** Case-insensitive substring match on name or title; an empty query keeps everything. */
export function filterServices(services: readonly ServiceStatus[], query: string): ServiceStatus[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...services];
  return services.filter((s) => s.name.toLowerCase().includes(q) || s.title.toLowerCase().includes(q));
}

/** What the table shows: filtered, then sorted. */
export function visibleServices(services: readonly ServiceStatus[], query: string, mode: SortMode): ServiceStatus[] {
  return sortServices(filterServices(services, query), mode);
}

/** Services that are fine: up and answering, or on-demand and idle until someone calls (nothing wrong with that). */
export function countHealthy(services: readonly ServiceStatus[]): number {
  return services.filter((s) => (s.state === "healthy" || s.state === "idle") && !s.crashLoop).length;
}
