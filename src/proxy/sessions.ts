/**
 * Which instance opened which session. A shared service sees every user's sessions, so
 * a session id is bound to the instance whose request created it (the `Mcp-Session-Id` of
 * an initialize answer, or the legacy `sessionId` in an endpoint event); any other
 * instance presenting it is answered exactly as for an unknown session.
 */

import { numberCheck, numberKey } from "./numberKey.ts";
import { RowTable } from "./rowTable.ts";

export type SessionCheck =
  | { ok: true }
  /** never seen, or forgotten: answered like the service answers an unknown session */
  | { ok: false; reason: "unknown" }
  /** bound to another instance: same answer, plus an audit row */
  | { ok: false; reason: "mismatch" };

const BOUND: SessionCheck = Object.freeze({ ok: true });

/** A session with no request for this long is forgotten (clients open a new one on 404). */
export const SESSION_IDLE_MS = 6 * 60 * 60_000;
const SWEEP_MS = 60_000;

/**
 * Row layout. A row is found by a 52-bit hash of "service\0id" and must match a second
 * one (CHECK); the owning instance is kept as the same two hashes of its ref. A chance
 * collision can only refuse a session (its client opens another), never lend one: the
 * service itself still needs the exact id.
 */
const CHECK = 0;
const OWNER = 1;
const OWNER_CHECK = 2;
const LAST_SEEN = 3;
const STREAMS = 4;
const SERVICE = 5;

export class SessionTable {
  /** Services are separate processes, so the same id under two services is two sessions. */
  private readonly bound = new RowTable(6);
  private readonly services: string[] = [];
  private readonly perService = new Map<string, number>();
  private readonly streamsPerService = new Map<string, number>();
  private nextSweep: number;

  constructor(private readonly now: () => number) {
    this.nextSweep = now() + SWEEP_MS;
  }

  /** The row of the session, or -1. */
  private row(service: string, id: string): number {
    const name = `${service}\u0000${id}`;
    const row = this.bound.find(numberKey(name));
    return row >= 0 && this.bound.num(row, CHECK) === numberCheck(name) ? row : -1;
  }

  bind(service: string, id: string, instanceRef: string): void {
    const name = `${service}\u0000${id}`;
    const key = numberKey(name);
    // First binding wins: a service that hands out a live id again must not move it.
    if (this.bound.find(key) >= 0) return;
    const row = this.bound.insert(key);
    let index = this.services.indexOf(service);
    if (index < 0) index = this.services.push(service) - 1;
    this.bound.setNum(row, CHECK, numberCheck(name));
    this.bound.setNum(row, OWNER, numberKey(instanceRef));
    this.bound.setNum(row, OWNER_CHECK, numberCheck(instanceRef));
    this.bound.setNum(row, LAST_SEEN, this.now());
    this.bound.setNum(row, SERVICE, index);
    this.perService.set(service, (this.perService.get(service) ?? 0) + 1);
  }

  check(service: string, id: string, instanceRef: string): SessionCheck {
    this.maybeSweep();
    const row = this.row(service, id);
    if (row < 0) return { ok: false, reason: "unknown" };
    if (this.bound.num(row, OWNER) !== numberKey(instanceRef) || this.bound.num(row, OWNER_CHECK) !== numberCheck(instanceRef)) return { ok: false, reason: "mismatch" };
    this.bound.setNum(row, LAST_SEEN, this.now());
    return BOUND;
  }

  /** Marks a stream open on the session; call the returned function when it ends. */
  streamOpened(service: string, id: string): () => void {
    const row = this.row(service, id);
    if (row < 0) return () => {};
    this.bound.addNum(row, STREAMS, 1);
    this.streamsPerService.set(service, (this.streamsPerService.get(service) ?? 0) + 1);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      const row = this.row(service, id);
      if (row >= 0) (this.bound.addNum(row, STREAMS, -1), this.bound.setNum(row, LAST_SEEN, this.now()));
      this.streamsPerService.set(service, (this.streamsPerService.get(service) ?? 1) - 1);
    };
  }

  forget(service: string, id: string): void {
    if (this.row(service, id) >= 0 && this.bound.remove(numberKey(`${service}\u0000${id}`))) this.perService.set(service, (this.perService.get(service) ?? 1) - 1);
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
    this.bound.forEach((key, row) => {
      if (this.bound.num(row, STREAMS) !== 0 || now - this.bound.num(row, LAST_SEEN) <= SESSION_IDLE_MS) return;
      const service = this.services[this.bound.num(row, SERVICE)]!;
      this.bound.remove(key);
      this.perService.set(service, (this.perService.get(service) ?? 1) - 1);
    });
  }
}

/**
 * Whether the service's answer ends the session the client presented: a DELETE it
 * accepted, or a 404 from its MCP endpoint (the service no longer knows the session). A
 * 404 from any other path says nothing about the session and must not end it: anyone who
 * saw a session id could otherwise end its owner's session with a request to a wrong path.
 */
export function endsSession(method: string, status: number, path: string, mcpPath: string): boolean {
  if (path !== mcpPath) return false;
  return status === 404 || (method === "DELETE" && status >= 200 && status < 300);
}
