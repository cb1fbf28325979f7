/**
 * Which instance opened which session. A shared service sees every user's sessions, so
 * a session id is bound to the instance whose request created it (the `Mcp-Session-Id` of
 * an initialize answer, or the legacy `sessionId` in an endpoint event); any other
 * instance presenting it is answered exactly as for an unknown session.
 */

export type SessionCheck =
  | { ok: true }
  /** never seen, or forgotten: answered like the service answers an unknown session */
  | { ok: false; reason: "unknown" }
  /** bound to another instance: same answer, plus an audit row */
  | { ok: false; reason: "mismatch" };

/** A session with no request for this long is forgotten (clients open a new one on 404). */
const BOUND: SessionCheck = Object.freeze({ ok: true });

export const SESSION_IDLE_MS = 6 * 60 * 60_000;
const SWEEP_MS = 60_000;

interface Binding {
  instanceRef: string;
  lastSeen: number;
  /** open GET/SSE streams: a session with a live stream is not idle */
  streams: number;
}

export class SessionTable {
  /** service → session id → binding. Services are separate processes, so the same id under two services is two sessions. */
  private readonly bound = new Map<string, Map<string, Binding>>();
  private readonly perService = new Map<string, number>();
  private readonly streamsPerService = new Map<string, number>();
  private nextSweep: number;

  constructor(private readonly now: () => number) {
    this.nextSweep = now() + SWEEP_MS;
  }

  private binding(service: string, id: string): Binding | undefined {
    return this.bound.get(service)?.get(id);
  }

  bind(service: string, id: string, instanceRef: string): void {
    let ids = this.bound.get(service);
    if (!ids) this.bound.set(service, (ids = new Map()));
    // First binding wins: a service that hands out a live id again must not move it.
    if (ids.has(id)) return;
    ids.set(ownCopy(id), { instanceRef, lastSeen: this.now(), streams: 0 });
    this.perService.set(service, (this.perService.get(service) ?? 0) + 1);
  }

  check(service: string, id: string, instanceRef: string): SessionCheck {
    this.maybeSweep();
    const b = this.binding(service, id);
    if (!b) return { ok: false, reason: "unknown" };
    if (b.instanceRef !== instanceRef) return { ok: false, reason: "mismatch" };
    b.lastSeen = this.now();
    return BOUND;
  }

  /** Marks a stream open on the session; call the returned function when it ends. */
  streamOpened(service: string, id: string): () => void {
    const b = this.binding(service, id);
    if (!b) return () => {};
    b.streams++;
    this.streamsPerService.set(service, (this.streamsPerService.get(service) ?? 0) + 1);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      b.streams--;
      b.lastSeen = this.now();
      this.streamsPerService.set(service, (this.streamsPerService.get(service) ?? 1) - 1);
    };
  }

  forget(service: string, id: string): void {
    if (this.bound.get(service)?.delete(id)) this.perService.set(service, (this.perService.get(service) ?? 1) - 1);
  }

  /** Live sessions per service, for metrics. */
  countFor(service: string): number {
    return this.perService.get(service) ?? 0;
  }

  /** Open GET/SSE streams to the service: an on-demand service with one is in use, however quiet. */
  openStreams(service: string): number {
    return this.streamsPerService.get(service) ?? 0;
  }

  private maybeSweep(): void {
    const now = this.now();
    if (now < this.nextSweep) return;
    this.nextSweep = now + SWEEP_MS;
    for (const [service, ids] of this.bound) {
      for (const [id, b] of ids) if (b.streams === 0 && now - b.lastSeen > SESSION_IDLE_MS) this.forget(service, id);
    }
  }
}

/**
 * The id as a string of its own. An id read off a response head is a slice of that head's
 * text, and in Bun (JSC) a slice keeps its whole parent alive: kept as a key for hours, each
 * session would hold its service's entire answer head. A JSON round trip makes a flat copy.
 */
function ownCopy(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}
