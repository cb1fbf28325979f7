import { RowTable } from "./rowTable.ts";

/**
 * One row per instance the proxy has resolved, shared by the steps of the request path:
 * the resolver, the opened key, the token bucket and the counters each own some fields
 * of it. One row and one index slot per instance, rather than one per step, is what keeps
 * 10,000 users within a few MB (see rowTable.ts). Rows are never dropped: they are
 * bounded by the instances the store has held since the daemon started, as the
 * per-instance counters always were.
 */

// Numbers. The row's key is the first 52 bits of the instance id's SHA-256; CHECK holds
// the next 52, so a hit matches 104 bits.
export const CHECK = 0;
/** index into the table's service names */
export const SERVICE = 1;
/** the resolver's generation when this row was read from the store; older rows are read again */
export const RESOLVED = 2;
export const REVOKED = 3;
export const SUSPENDED = 4;
/** the opened key: the credentials' generation it was opened in, until when it may be used, whether there is one */
export const KEY_OPENED = 5;
export const KEY_UNTIL = 6;
export const HAS_KEY = 7;
/** token bucket; BUCKET = 0 until the first request (a full bucket) */
export const BUCKET = 8;
export const TOKENS = 9;
export const AT = 10;
export const REQUESTS = 11;
export const ERRORS = 12;
export const BYTES_IN = 13;
export const BYTES_OUT = 14;
export const LAST_SEEN = 15;
/** the protocol traffic's own bucket (initialize, notifications, pings, lists), as BUCKET/TOKENS/AT are the calls' */
export const P_BUCKET = 16;
export const P_TOKENS = 17;
export const P_AT = 18;
/** limits.callsPerDay: the UTC day counted (days since the epoch) and the calls in it */
export const DAY = 19;
export const DAY_CALLS = 20;
const FIELDS = 21;

// Texts. The ref holds the user id (`userOfRef`), so that is not kept apart.
export const REF = 0;
export const KEY = 1;
/** prefix (≤ 8) + "_" + user id (≤ 64) + "_" + 8 hex digits */
export const REF_BYTES = 82;
/** Opened keys longer than this are kept as objects instead (most API keys are 40–110 bytes). */
export const KEY_BYTES = 128;

export class InstanceTable extends RowTable {
  private readonly names: string[] = [];

  constructor() {
    super(FIELDS, [REF_BYTES, KEY_BYTES]);
  }

  serviceIndex(name: string): number {
    const i = this.names.indexOf(name);
    return i >= 0 ? i : this.names.push(name) - 1;
  }

  serviceName(index: number): string {
    return this.names[index]!;
  }
}
