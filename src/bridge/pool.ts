import { createHmac, randomBytes } from "node:crypto";
import type { Secret } from "../crypto/secret.ts";
import type { Service } from "../registry/schema.ts";
import { McpdError } from "../util/errors.ts";
import type { ChildExit, StdioChild } from "./childProcess.ts";
import { ChildMux } from "./mux.ts";
import type { JsonRpcMessage } from "./jsonrpc.ts";
import { ChildFailures } from "./failures.ts";
import type { LogLine } from "./serviceLog.ts";

/** How often idle per-user children are looked for; idleStopMs is at least 1 s. */
const SWEEP_MAX_MS = 1_000;
/** A revoked instance's child gets this long after SIGTERM: it must be gone within a second. */
export const RETIRE_GRACE_MS = 500;

export class AtLimitError extends McpdError {
  constructor(service: string, max: number) {
    super("at-limit", `service ${service} is at its limit of ${max} processes; try again shortly`);
  }
}

export type SpawnFn = (
  secret: Secret | null,
  handlers: { onMessage(m: JsonRpcMessage): void; onExit(e: ChildExit): void },
) => StdioChild;

interface Entry {
  /** null in shared mode: the child belongs to nobody in particular */
  instanceRef: string | null;
  mux: ChildMux;
  /** an HMAC of the key the running child was started with; never the key itself */
  keyHash: string | null;
}

export interface ChildInfo {
  instanceRef: string | null;
  pid: number;
  startedAt: number;
  lastUsedAt: number;
  rssBytes: number;
}

/**
 * Which child serves a request. Per-user: one child per instance, started on its first
 * request with that user's key, stopped after idleStopMs without traffic, at most
 * maxProcesses alive (the least recently used idle one makes room). Shared: one child.
 */
export class ChildPool {
  private readonly entries = new Map<string, Entry>();
  readonly failures: ChildFailures;
  private readonly sweeper: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(
    private readonly service: Service,
    private readonly spawn: SpawnFn,
    private readonly now: () => number,
    private readonly log: LogLine = () => {},
  ) {
    this.failures = new ChildFailures(now);
    if (service.mode === "per-user") {
      this.sweeper = setInterval(() => void this.sweep(), Math.min(SWEEP_MAX_MS, service.idleStopMs / 2));
      this.sweeper.unref?.();
    }
  }

  get perUser(): boolean {
    return this.service.mode === "per-user";
  }

  /** The mux for this instance with its child running, started (and room made) if needed. */
  async ready(instanceRef: string, secret: Secret | null, initParams?: Record<string, unknown>): Promise<ChildMux> {
    if (this.closed) throw new McpdError("closed", `service ${this.service.name} is shutting down`);
    const entry = this.entry(this.perUser ? instanceRef : null);
    const keyHash = this.perUser && secret ? hash(secret) : null;
    if (entry.mux.running && entry.keyHash !== keyHash && !entry.mux.busy) {
      // The user replaced their key: the old child must not keep serving with the old one.
      await entry.mux.stop("the user's key changed");
    }
    if (!entry.mux.running) entry.keyHash = keyHash;
    entry.mux.offerInitParams(initParams);
    await entry.mux.ready(secret);
    return entry.mux;
  }

  /** The mux an existing session talks to, without starting anything. */
  peek(instanceRef: string): ChildMux | undefined {
    return this.entries.get(this.perUser ? instanceRef : "")?.mux;
  }

  children(): ChildInfo[] {
    const out: ChildInfo[] = [];
    for (const e of this.entries.values()) {
      if (!e.mux.running) continue;
      out.push({
        instanceRef: e.instanceRef,
        pid: e.mux.pid!,
        startedAt: e.mux.startedAt!,
        lastUsedAt: e.mux.lastUsedAt,
        rssBytes: e.mux.rssBytes(),
      });
    }
    return out;
  }

  /**
   * Stops, at once, every per-user child whose instance `isLive` no longer knows (its user
   * removed, the instance revoked or rotated): it holds that user's key in its
   * environment and must not outlive the URL. Calls in flight fail with the exit. Returns
   * the instances whose children were stopped.
   */
  async retire(isLive: (instanceRef: string) => boolean): Promise<string[]> {
    if (!this.perUser) return [];
    const gone = [...this.entries].filter(([, e]) => e.instanceRef !== null && !isLive(e.instanceRef));
    for (const [key] of gone) this.entries.delete(key);
    await Promise.all(gone.map(([, e]) => e.mux.stop("its instance was revoked (user removed, or URL rotated)", RETIRE_GRACE_MS)));
    return gone.map(([, e]) => e.instanceRef!);
  }

  /** `mcpd restart S`: every child stops now (calls in flight fail) and starts again on its next request, with a clean crash-loop slate. */
  async restart(): Promise<number> {
    const live = [...this.entries.values()].filter((e) => e.mux.running);
    await Promise.all(live.map((e) => e.mux.stop("mcpd restart")));
    this.failures.clearLoop();
    return live.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    await Promise.all([...this.entries.values()].map((e) => e.mux.stop("the service is shutting down")));
  }

  private entry(instanceRef: string | null): Entry {
    const key = instanceRef ?? "";
    let e = this.entries.get(key);
    if (!e) {
      const mux: ChildMux = new ChildMux({
        serviceName: this.service.name,
        now: this.now,
        shared: !this.perUser,
        log: this.log,
        label: `\`${commandOf(this.service).join(" ")}\` ${instanceRef ? `for ${instanceRef}` : "shared by every user"}`,
        initTimeoutMs: this.service.initTimeoutMs,
        failures: this.failures,
        spawn: (secret, handlers) => {
          this.makeRoom(mux);
          return this.spawn(this.perUser ? secret : null, handlers);
        },
      });
      e = { instanceRef, mux, keyHash: null };
      this.entries.set(key, e);
    }
    return e;
  }

  /** Throws AtLimitError when the cap is reached and every live child is busy. */
  private makeRoom(starting: ChildMux): void {
    if (!this.perUser) return;
    const live = [...this.entries.values()].filter((e) => e.mux !== starting && e.mux.running);
    if (live.length < this.service.maxProcesses) return;
    const idle = live.filter((e) => !e.mux.busy).sort((a, b) => a.mux.useSeq - b.mux.useSeq);
    const victim = idle[0];
    if (!victim) throw new AtLimitError(this.service.name, this.service.maxProcesses);
    void victim.mux.stop(`least recently used, making room (maxProcesses ${this.service.maxProcesses})`);
  }

  private async sweep(): Promise<void> {
    const t = this.now();
    for (const e of this.entries.values()) {
      if (e.mux.running && !e.mux.busy && t - e.mux.lastUsedAt >= this.service.idleStopMs) {
        await e.mux.stop(`idle for ${Math.round((t - e.mux.lastUsedAt) / 1000)} s`);
      }
    }
  }
}

const commandOf = (s: Service): string[] => ("command" in s.run ? s.run.command : []);

/** Keyed per process, so the stored value says nothing about the key even to a memory dump. */
const HASH_KEY = randomBytes(32);
function hash(secret: Secret): string {
  return createHmac("sha256", HASH_KEY).update(secret.reveal()).digest("hex");
}
