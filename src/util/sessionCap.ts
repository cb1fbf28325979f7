/**
 * How many sessions one service keeps. A client can open sessions faster than anyone
 * closes them (initialize, then walk away): each costs a server object, so without a cap
 * 10,000 abandoned ones grew the demo service from 64 to 212 MB. At a cap the oldest idle
 * session goes; its client's next request gets the 404 that makes it initialize again.
 */
export const SESSIONS_PER_INSTANCE = 100;
export const SESSIONS_TOTAL = 10_000;

export interface CapLimits {
  perInstance: number;
  total: number;
}

export const DEFAULT_CAPS: CapLimits = { perInstance: SESSIONS_PER_INSTANCE, total: SESSIONS_TOTAL };

/** What the cap needs to know of a session. */
export interface Capped {
  instance: string;
  lastSeen: number;
  /** a request or stream open on it: never evicted */
  busy: boolean;
}

/**
 * The sessions to end so one more of `instance` fits: the instance's oldest idle one when
 * it is at its own cap, and the oldest idle one anywhere when the service is at its total.
 * Null when there is no room (everything at the cap is busy): the new session is refused.
 */
export function evictFor<T extends Capped>(sessions: Iterable<T>, instance: string, caps: CapLimits = DEFAULT_CAPS): T[] | null {
  let mine = 0;
  let total = 0;
  let oldestMine: T | null = null;
  let oldest: T | null = null;
  for (const s of sessions) {
    total++;
    const own = s.instance === instance;
    if (own) mine++;
    if (s.busy) continue;
    if (!oldest || s.lastSeen < oldest.lastSeen) oldest = s;
    if (own && (!oldestMine || s.lastSeen < oldestMine.lastSeen)) oldestMine = s;
  }
  if (mine >= caps.perInstance) {
    if (!oldestMine) return null;
    return [oldestMine]; // one out, one in: the total stays where it was
  }
  if (total >= caps.total) return oldest ? [oldest] : null;
  return [];
}
