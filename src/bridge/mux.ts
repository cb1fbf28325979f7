import type { Secret } from "../crypto/secret.ts";
import { CAPABILITY_OF, childInitParams, sessionInitResult } from "./initialize.ts";
import { describeExit, SpawnError, type ChildExit, type StdioChild } from "./childProcess.ts";
import type { ChildFailures } from "./failures.ts";
import { clip, type LogLine } from "./serviceLog.ts";
import {
  errorResponse,
  isRequest,
  isResponse,
  INTERNAL_ERROR,
  METHOD_NOT_FOUND,
  SERVER_ERROR,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "./jsonrpc.ts";

let useCounter = 0;

/** Where the mux delivers what a child sends to one client session. */
export interface MuxSession {
  readonly id: string;
  /** What the session's client declared at initialize; null when it did not (stateless calls). */
  readonly capabilities: Record<string, unknown> | null;
  /** On the session's standing stream (GET stream, legacy SSE); false when none is open. */
  deliver(msg: JsonRpcMessage): boolean;
}

/** For messages tied to one request: its own SSE response stream; false when closed. */
export type RelatedSink = (msg: JsonRpcMessage) => boolean;

interface Pending {
  session: MuxSession | null;
  /** the bridge's own initialize */
  init?: boolean;
  originalId: JsonRpcId;
  related?: RelatedSink;
  childToken?: string;
  resolve(res: JsonRpcResponse): void;
}

export interface MuxOptions {
  serviceName: string;
  /** Starts the child; the mux wires its messages and exit. Throws to refuse (at the cap). */
  spawn(
    secret: Secret | null,
    handlers: { onMessage(m: JsonRpcMessage): void; onExit(e: ChildExit): void },
  ): StdioChild;
  now: () => number;
  /**
   * Sessions of different users (shared mode): what the child says outside any request
   * goes to nobody unless it is a list change. Per-user, every session is one user's.
   */
  shared: boolean;
  log: LogLine;
  /** Names the child in errors and the log: its command and whom it serves. */
  label: string;
  initTimeoutMs: number;
  /** The service's failure counts, shared by all its children (status, TUI). */
  failures: ChildFailures;
}

/** The one kind of message a shared child may send to every session: "the list changed". */
const isListChanged = (method: string) => /^notifications\/[a-z]+\/list_changed$/.test(method);

/**
 * One stdio child shared by any number of client sessions. The child sees one client
 * (the bridge): it is initialized once, every request id is rewritten to a number the
 * mux owns and restored on the way out, progress tokens likewise, and what the child
 * sends on its own is routed to the session it belongs to (progress by token, requests
 * and log lines to the session waiting on the child, resource updates to subscribers)
 * or, when global (list_changed), to every session. Anything else that belongs to no
 * request reaches every session of a per-user child (they are one user's) and no
 * session of a shared one.
 */
export class ChildMux {
  private child: StdioChild | null = null;
  private starting: Promise<StdioChild> | null = null;
  private initialized = false;
  private initResult: Record<string, unknown> | null = null;
  private initParams: Record<string, unknown> | null = null;
  private nextId = 1;
  private nextServerId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly progress = new Map<string, { pendingId: number; token: unknown }>();
  /** server-initiated requests handed to a session: visible id → child's id */
  private readonly serverRequests = new Map<string, { session: MuxSession; childId: JsonRpcId }>();
  private readonly sessions = new Map<string, MuxSession>();
  private readonly subscriptions = new Map<string, Set<string>>();
  private stopping = false;
  /** The next exit is one mcpd asked for (stop, a failed initialize): not a crash. */
  private expectExit = false;
  /** The last child crashed: the next start is a restart. */
  private crashed = false;
  private readonly droppedMethods = new Set<string>();
  lastUsedAt: number;
  /** Orders uses exactly where lastUsedAt (ms) ties: which child is least recently used. */
  useSeq = 0;

  constructor(private readonly opts: MuxOptions) {
    this.lastUsedAt = opts.now();
  }

  get running(): boolean {
    return this.child !== null && this.child.alive && !this.stopping;
  }
  get pid(): number | null {
    return this.child?.pid ?? null;
  }
  get startedAt(): number | null {
    return this.child?.startedAt ?? null;
  }
  /** Client requests the child has not answered yet. */
  get inFlight(): number {
    let n = 0;
    for (const p of this.pending.values()) if (p.session) n++;
    return n;
  }
  /** Starting, or answering someone: not to be stopped for idleness or to make room. */
  get busy(): boolean {
    return this.starting !== null || this.inFlight > 0;
  }
  rssBytes(): number {
    return this.running ? (this.child?.rssBytes() ?? 0) : 0;
  }

  attach(session: MuxSession): void {
    this.sessions.set(session.id, session);
  }

  /** The session is gone: cancel its requests at the child and answer what the child asked it. */
  detach(sessionId: string): void {
    this.sessions.delete(sessionId);
    for (const subs of this.subscriptions.values()) subs.delete(sessionId);
    for (const [childId, p] of this.pending) {
      if (p.session?.id !== sessionId) continue;
      this.sendToChild({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: childId, reason: "client session ended" } });
      p.session = null;
      p.related = undefined;
    }
    for (const [key, sr] of this.serverRequests) {
      if (sr.session.id !== sessionId) continue;
      this.serverRequests.delete(key);
      this.sendToChild(errorResponse(sr.childId, INTERNAL_ERROR, "the client session ended before answering"));
    }
  }

  /**
   * Starts and initializes the child if it is not running; throws when that fails or is
   * refused. The key is handed to spawn and not kept: the next start gets it from its request.
   */
  async ready(secret: Secret | null = null): Promise<void> {
    this.touch();
    if (this.running && this.initialized) return;
    if (this.starting) {
      await this.starting;
      return;
    }
    this.starting = this.start(secret);
    try {
      await this.starting;
    } finally {
      this.starting = null;
    }
  }

  /**
   * The first client's initialize params are what the child is initialized with (now and
   * on every restart), so it sees a real client's capabilities and version.
   */
  offerInitParams(params: Record<string, unknown> | undefined): void {
    if (!this.initParams && params) this.initParams = params;
  }

  /** The initialize result a new session gets: the child's, at the version the session asked for. */
  initialize(params: Record<string, unknown> | undefined): Record<string, unknown> {
    if (!this.initResult) throw new Error("initialize before ready()");
    return sessionInitResult(this.initResult, params);
  }

  /** Forwards a client request; resolves with the child's answer under the client's own id. */
  request(session: MuxSession, msg: JsonRpcRequest, related?: RelatedSink): Promise<JsonRpcResponse> {
    this.touch();
    if (!this.running || !this.initialized) {
      return Promise.resolve(errorResponse(msg.id, SERVER_ERROR, `the ${this.opts.serviceName} server is not running; try again`));
    }
    const childId = this.nextId++;
    const out: JsonRpcRequest = { ...msg, id: childId };
    const p: Pending = { session, originalId: msg.id, related, resolve: () => {} };
    const token = (msg.params?._meta as Record<string, unknown> | undefined)?.progressToken;
    if (token !== undefined) {
      // Two sessions may both use token 1; the child must see distinct ones.
      p.childToken = `p${childId}`;
      this.progress.set(p.childToken, { pendingId: childId, token });
      out.params = { ...msg.params, _meta: { ...(msg.params!._meta as object), progressToken: p.childToken } };
    }
    this.track(session, msg);
    return new Promise((resolve) => {
      p.resolve = resolve;
      this.pending.set(childId, p);
      this.sendToChild(out);
    });
  }

  /** A client notification: `initialized` is the bridge's to send; cancellations name the child's id. */
  notify(session: MuxSession, msg: JsonRpcNotification): void {
    this.touch();
    if (msg.method === "notifications/initialized") return;
    if (msg.method === "notifications/cancelled") {
      const wanted = msg.params?.requestId;
      for (const [childId, p] of this.pending) {
        if (p.session?.id === session.id && p.originalId === wanted) {
          this.sendToChild({ ...msg, params: { ...msg.params, requestId: childId } });
        }
      }
      return;
    }
    if (this.running) this.sendToChild(msg);
  }

  /** A client's answer to a request the child made. */
  respond(session: MuxSession, msg: JsonRpcResponse): void {
    this.touch();
    const key = `${session.id}\u0000${String(msg.id)}`;
    const sr = this.serverRequests.get(key);
    if (!sr) return;
    this.serverRequests.delete(key);
    this.sendToChild({ ...msg, id: sr.childId });
  }

  async stop(why: string, graceMs?: number): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.alive) this.expectExit = true;
    this.stopping = true;
    try {
      await child.stop(why, graceMs);
    } finally {
      this.stopping = false;
    }
  }

  private touch(): void {
    this.lastUsedAt = this.opts.now();
    this.useSeq = ++useCounter;
  }

  private track(session: MuxSession, msg: JsonRpcRequest): void {
    const uri = msg.params?.uri;
    if (typeof uri !== "string") return;
    if (msg.method === "resources/subscribe") {
      if (!this.subscriptions.has(uri)) this.subscriptions.set(uri, new Set());
      this.subscriptions.get(uri)!.add(session.id);
    } else if (msg.method === "resources/unsubscribe") {
      this.subscriptions.get(uri)?.delete(session.id);
    }
  }

  private async start(secret: Secret | null): Promise<StdioChild> {
    this.initialized = false;
    const o = this.opts;
    const failed = (detail: string) => new Error(`the ${o.serviceName} server failed to start: ${detail}`);
    let child: StdioChild;
    try {
      child = o.spawn(secret, {
        onMessage: (m) => {
          if (this.child === child) this.fromChild(m);
        },
        onExit: (e) => {
          if (this.child === child) this.childExited(e);
        },
      });
    } catch (e) {
      if (!(e instanceof SpawnError)) throw e;
      this.noteStartFailure(`${o.label}: ${e.message}`, true);
      throw failed(e.message);
    }
    this.child = child;
    this.droppedMethods.clear();
    this.expectExit = false;
    if (this.crashed) o.failures.restarted();
    this.crashed = false;

    const initId = this.nextId++;
    const answer = new Promise<JsonRpcResponse>((resolve) => {
      this.pending.set(initId, { session: null, init: true, originalId: initId, resolve });
    });
    this.sendToChild({ jsonrpc: "2.0", id: initId, method: "initialize", params: childInitParams(this.initParams) });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<JsonRpcResponse>((resolve) => {
      const why = `did not answer initialize within ${o.initTimeoutMs / 1000} s (initTimeoutMs in its config.json; raise it if the server needs longer to start)`;
      timer = setTimeout(() => resolve(errorResponse(initId, SERVER_ERROR, why)), o.initTimeoutMs);
      timer.unref?.();
    });
    const res = await Promise.race([answer, timeout]);
    clearTimeout(timer);
    this.pending.delete(initId);
    if (res.error || !res.result || typeof res.result !== "object") {
      // An exit before answering was counted as the crash it is; anything else is counted here.
      const exitedByItself = !child.alive && !this.expectExit;
      const step = res.error ? (res.error.message.includes("initialize") ? res.error.message : `answered initialize with an error: ${res.error.message}`) : "answered initialize without a result";
      const detail = `pid ${child.pid} (${o.label}) ${step}`;
      if (child.alive) this.expectExit = true;
      await child.stop(`it did not initialize: ${step}`);
      this.noteStartFailure(detail, !exitedByItself);
      throw failed(detail);
    }
    this.initResult = res.result as Record<string, unknown>;
    this.sendToChild({ jsonrpc: "2.0", method: "notifications/initialized" });
    this.initialized = true;
    return child;
  }

  /** Into status and the log; the client gets the same words in its error. */
  private noteStartFailure(detail: string, count: boolean): void {
    const o = this.opts;
    const wasLoop = o.failures.crashLoop;
    if (count) o.failures.startFailed(detail);
    else o.failures.lastError = detail;
    this.crashed = true;
    o.log(`[${o.serviceName}] failed to start: ${detail}`);
    this.noteLoop(wasLoop);
  }

  private noteLoop(wasLoop: boolean): void {
    if (wasLoop || !this.opts.failures.crashLoop) return;
    this.opts.log(`[${this.opts.serviceName}] crash loop: its children keep failing (status shows crashLoop); fix the server, then mcpd restart ${this.opts.serviceName}`);
  }

  private sendToChild(msg: JsonRpcMessage): void {
    if (!this.child?.alive) return;
    try {
      this.child.send(msg);
    } catch {
      // The pipe broke: the exit handler is about to fail whatever is pending.
    }
  }

  private childExited(exit: ChildExit): void {
    this.initialized = false;
    const o = this.opts;
    const expected = this.expectExit;
    this.expectExit = false;
    const wasLoop = o.failures.crashLoop;
    o.failures.exited(`pid ${this.child?.pid} (${o.label}) exited (${describeExit(exit)})${expected ? " when stopped" : ""}`, expected);
    if (!expected) {
      this.crashed = true;
      this.noteLoop(wasLoop);
    }
    const why = `the ${o.serviceName} server exited (${describeExit(exit)}) while handling this request`;
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.progress.clear();
    this.serverRequests.clear();
    for (const p of pending) p.resolve(errorResponse(p.originalId, SERVER_ERROR, p.init ? `exited (${describeExit(exit)}) before answering initialize` : why));
  }

  private fromChild(msg: JsonRpcMessage): void {
    if (isResponse(msg)) return this.answer(msg);
    if (isRequest(msg)) return this.serverRequest(msg);
    // What the child says on its own is not use: a chatty child must still idle-stop.
    const note = msg as JsonRpcNotification;
    if (note.method === "notifications/progress") {
      const entry = this.progress.get(String(note.params?.progressToken));
      const p = entry && this.pending.get(entry.pendingId);
      if (!entry || !p?.session) return;
      this.toSession(p.session, p.related, { ...note, params: { ...note.params, progressToken: entry.token } });
      return;
    }
    if (note.method === "notifications/cancelled") {
      for (const [key, sr] of this.serverRequests) {
        if (sr.childId !== note.params?.requestId) continue;
        this.serverRequests.delete(key);
        sr.session.deliver({ ...note, params: { ...note.params, requestId: key.split("\u0000")[1] } });
      }
      return;
    }
    if (isListChanged(note.method)) {
      for (const s of this.sessions.values()) s.deliver(note);
      return;
    }
    if (note.method === "notifications/resources/updated" && typeof note.params?.uri === "string") {
      const subs = this.subscriptions.get(note.params.uri);
      if (subs && subs.size > 0) {
        for (const id of subs) this.sessions.get(id)?.deliver(note);
        return;
      }
    }
    if (this.opts.shared) return this.dropped(note);
    // Per-user: every session is this user's. A log line while one session is waiting
    // goes on that request's own stream, where the client shows it beside the call.
    if (note.method === "notifications/message") {
      const waiting = this.newestPendingBySession();
      if (waiting.size === 1) {
        const [p] = waiting.values();
        this.toSession(p!.session!, p!.related, note);
        return;
      }
    }
    for (const s of this.sessions.values()) s.deliver(note);
  }

  /**
   * A shared child's notification that names no request (stdio carries no link: a log
   * line sent while bob's call runs may be about alice's) reaches nobody; the log keeps
   * it. A log message's text goes there as it is, like the child's stderr.
   */
  private dropped(note: JsonRpcNotification): void {
    const tag = `[${this.opts.serviceName} pid ${this.pid}]`;
    if (note.method === "notifications/message") {
      this.opts.log(`${tag} log (${String(note.params?.level)}): ${clip(JSON.stringify(note.params?.data) ?? "")}`);
    }
    // Once per method per child: why a notification never arrived, without a line per message.
    if (this.droppedMethods.has(note.method)) return;
    this.droppedMethods.add(note.method);
    this.opts.log(
      `${tag} ${clip(note.method)} sent outside any request: a shared child's messages go only to the session they answer, so no session got it (noted once per method)`,
    );
  }

  /** Per session with requests in flight, its newest one. */
  private newestPendingBySession(): Map<string, Pending> {
    const out = new Map<string, Pending>();
    for (const p of this.pending.values()) if (p.session) out.set(p.session.id, p);
    return out;
  }

  private answer(msg: JsonRpcResponse): void {
    if (typeof msg.id !== "number") return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (p.childToken) this.progress.delete(p.childToken);
    if (p.session) this.touch();
    p.resolve({ ...msg, id: p.originalId });
  }

  /**
   * The child asks its client something (sampling, elicitation, roots). stdio carries no
   * link to the request that caused it, so it goes to the session whose request is the
   * newest still in flight (in per-user mode, the only one), on that request's stream.
   * A session whose client did not declare the capability is not asked: the child gets
   * an error saying so, which it passes on to that client in its answer.
   */
  private serverRequest(msg: JsonRpcRequest): void {
    if (msg.method === "ping") {
      this.sendToChild({ jsonrpc: "2.0", id: msg.id, result: {} });
      return;
    }
    let target: Pending | undefined;
    for (const p of this.pending.values()) if (p.session) target = p;
    const session = target?.session ?? (this.opts.shared ? undefined : [...this.sessions.values()].at(-1));
    const needs = CAPABILITY_OF[msg.method];
    if (session && needs && !(needs in (session.capabilities ?? {}))) {
      const who = session.capabilities === null ? "a stateless (2026-07-28) call, which declares no client capabilities" : `a client that did not declare "${needs}" in its initialize capabilities`;
      this.sendToChild(errorResponse(msg.id, METHOD_NOT_FOUND, `${msg.method} cannot be asked: the request that caused it came from ${who}`));
      return;
    }
    if (session) {
      const visibleId = `mcpd-${this.nextServerId++}`;
      const key = `${session.id}\u0000${visibleId}`;
      this.serverRequests.set(key, { session, childId: msg.id });
      if (this.toSession(session, target?.related, { ...msg, id: visibleId })) return;
      this.serverRequests.delete(key);
    }
    this.sendToChild(errorResponse(msg.id, INTERNAL_ERROR, `no client session is waiting on this server to answer ${msg.method}`));
  }

  private toSession(session: MuxSession, related: RelatedSink | undefined, msg: JsonRpcMessage): boolean {
    if (related?.(msg)) return true;
    return session.deliver(msg);
  }
}
