import { randomBytes } from "node:crypto";
import type { JsonRpcMessage } from "./jsonrpc.ts";
import type { MuxSession } from "./mux.ts";
import type { SseStream } from "./sse.ts";
import { DEFAULT_CAPS, evictFor, type CapLimits } from "../util/sessionCap.ts";

/** A session nobody has used this long, with no stream open, is forgotten. */
export const SESSION_IDLE_MS = 60 * 60_000;

/** One client session: bound to the instance that created it, with at most one standing stream. */
export class Session implements MuxSession {
  /** 144 bits from the CSPRNG: a session id is as good as a password for its instance. */
  readonly id = randomBytes(18).toString("base64url");
  /** the GET stream (Streamable HTTP) or the event stream (legacy SSE) */
  stream: SseStream | null = null;
  /** The client's capabilities from its initialize; null for a stateless call, which declares none. */
  capabilities: Record<string, unknown> | null = null;
  lastActiveAt: number;

  constructor(
    readonly instanceRef: string,
    readonly kind: "streamable" | "legacy" | "stateless",
    now: number,
  ) {
    this.lastActiveAt = now;
  }

  deliver(msg: JsonRpcMessage): boolean {
    return this.stream?.send(msg) ?? false;
  }
}

/** What a client is told when every session at the cap has a stream open. */
export const TOO_MANY_SESSIONS = "too many sessions with a stream open on this instance; close one and try again";

/** The capabilities an initialize declared ({} when it declared none). */
export function capabilitiesOf(params: Record<string, unknown> | undefined): Record<string, unknown> {
  const c = params?.capabilities;
  return c && typeof c === "object" && !Array.isArray(c) ? (c as Record<string, unknown>) : {};
}

export class SessionTable {
  private readonly byId = new Map<string, Session>();

  /** `onEvict` lets the child forget a session the cap ended. */
  constructor(
    private readonly onEvict: (s: Session) => void = () => {},
    private readonly caps: CapLimits = DEFAULT_CAPS,
  ) {}

  /**
   * Room for one more session of the instance, made by ending the oldest idle one at a
   * cap (its client's next request gets 404 and initializes again); false when every
   * session at the cap has a stream open.
   */
  makeRoom(instanceRef: string): boolean {
    const all = [...this.byId.values()].map((s) => ({ s, instance: s.instanceRef, lastSeen: s.lastActiveAt, busy: s.stream !== null }));
    const gone = evictFor(all, instanceRef, this.caps);
    if (!gone) return false;
    for (const { s } of gone) {
      this.remove(s);
      this.onEvict(s);
    }
    return true;
  }

  add(s: Session): void {
    this.byId.set(s.id, s);
  }

  /** Another instance's session id answers like an unknown one. */
  get(id: string, instanceRef: string): Session | undefined {
    const s = this.byId.get(id);
    return s && s.instanceRef === instanceRef ? s : undefined;
  }

  remove(s: Session): void {
    this.byId.delete(s.id);
    s.stream?.close();
    s.stream = null;
  }

  /** Sessions to forget: idle past SESSION_IDLE_MS with no stream open. */
  stale(now: number): Session[] {
    return [...this.byId.values()].filter((s) => !s.stream && now - s.lastActiveAt >= SESSION_IDLE_MS);
  }

  all(): Session[] {
    return [...this.byId.values()];
  }
}
