import { legacyFieldOf } from "../registry/fields.ts";
import type { Service } from "../registry/schema.ts";
import type { Secret } from "../crypto/secret.ts";
import { allows, describePolicy, type CompiledPolicy } from "../policy/toolPolicy.ts";
import { toolListRewrite, type ToolCatalog } from "../policy/toolList.ts";
import type { Credentials } from "./credential.ts";
import type { ProxyErrorInit } from "./errors.ts";
import { formatCredential, headerSafe } from "./headers.ts";
import { peekRpc, type RpcPeek } from "./jsonrpc.ts";
import type { MessageRewrite } from "./messageRewrite.ts";
import type { Patterns } from "../redaction/patterns.ts";
import type { RateLimiter } from "./rateLimit.ts";
import type { Instance, Resolver } from "./resolve.ts";
import type { Route } from "./route.ts";
import type { SessionTable } from "./sessions.ts";

export interface AdmissionDeps {
  resolver: Resolver;
  sessions: SessionTable;
  credentials: Credentials;
  limiter: RateLimiter;
  catalog: ToolCatalog;
}

export interface AdmissionRequest {
  route: Route;
  service: Service;
  /** Mcp-Session-Id, and a legacy `?sessionId=`; null where absent */
  sessionIds: readonly (string | null)[];
  body: Uint8Array;
  contentType: string | null;
  /** peekRpc of the body */
  rpc: RpcPeek | null;
}

export interface Admitted {
  ok: true;
  instance: Instance;
  secret: Secret | null;
  /** the credential header's value, or null when none is injected */
  credentialValue: string | null;
  /** what the answer is searched for, to take the user's own secret out of it (null: nothing to look for) */
  patterns: Patterns | null;
  /** set when the answer must be rewritten (a policy's tools/list): the front's lane leaves such a request to the full path */
  rewrite: MessageRewrite | null;
}

export type Refusal =
  | { ok: false; kind: "error"; error: ProxyErrorInit; event: string | null; instance: Instance | null; rpc?: RpcPeek | null }
  /** Answered as the service answers a session it does not know: nothing tells a foreign session from a gone one. */
  | { ok: false; kind: "session"; event: "session-mismatch" | "unknown-session"; instance: Instance }
  /** `carry` said no before anything was counted: the request goes on to the full path. */
  | { ok: false; kind: "handoff" };

/** JSON-RPC's "invalid params", what a server answers for a tool it does not have (MCP tools spec). */
const RPC_INVALID_PARAMS = -32602;

/**
 * Whether an instance URL may send this request on, decided once for the front's lane and
 * the full path alike: resolve the id (unknown, revoked, suspended), the session bound to
 * this instance, the instance's tool policy, the user's key, and last the rate limits, the
 * one step that counts. `carry` is the lane's own "can I take this?" (its service gate is
 * ready, the head can be written), asked after every refusal is ruled out and before
 * anything is counted, so a request that moves on to the full path is counted once.
 */
export function admit(d: AdmissionDeps, r: AdmissionRequest, carry?: (a: Admitted) => boolean): Admitted | Refusal {
  const { service, route } = r;
  const found = d.resolver.resolve(route.instanceId, route.service);
  if (!found.ok) return { ok: false, kind: "error", error: { status: found.status, code: found.code, message: found.message }, event: found.code, instance: found.instance ?? null };
  const instance = found.instance;

  for (const id of r.sessionIds) {
    if (id === null) continue;
    const s = d.sessions.check(service.name, id, instance.ref);
    if (!s.ok) return { ok: false, kind: "session", event: s.reason === "mismatch" ? "session-mismatch" : "unknown-session", instance };
  }

  let rpc = r.rpc;
  const policy = d.resolver.policy(instance.row);
  let rewrite: MessageRewrite | null = null;
  if (policy) {
    if (rpc?.partial) rpc = peekRpc(r.body, r.contentType, true);
    const denied = deniedTool(policy, rpc, r.body, service.name, d.catalog);
    if (denied !== undefined) return toolDenied(denied, instance, policy, rpc);
    if (rpc?.listIds.length) rewrite = toolListRewrite(policy, rpc.listIds, service.name, d.catalog);
  }

  const cred = d.credentials.get(instance);
  if (!cred.ok) return { ok: false, kind: "error", error: { status: 500, code: cred.code, message: cred.message }, event: null, instance };
  const inject = service.credential?.inject;
  const credentialValue = inject && cred.secret ? formatCredential(inject.format, cred.secret.reveal(), legacyFieldOf(service.credential)) : null;
  if (credentialValue !== null && !headerSafe(credentialValue)) {
    const message = `the stored key of user ${instance.userId} for ${service.name} cannot be sent in a header (a line break or a non-Latin-1 character); add it again: mcpd user add --service ${service.name} --user ${instance.userId}`;
    return { ok: false, kind: "error", error: { status: 500, code: "credential-unusable", message }, event: null, instance };
  }

  const patterns = d.credentials.patterns(instance, service.credential, cred.secret);
  const admitted: Admitted = { ok: true, instance, secret: cred.secret, credentialValue, patterns, rewrite };
  if (carry && !carry(admitted)) return { ok: false, kind: "handoff" };

  const limited = d.limiter.admit(instance.row, instance.ref, service.limits, rpc?.calls ?? 0);
  if (!limited.ok) {
    const error = { status: 429, code: "rate-limited", message: limited.message, headers: { "retry-after": String(limited.retryAfterSec) } };
    return { ok: false, kind: "error", error, event: null, instance, rpc };
  }
  return admitted;
}

/**
 * The first tool the body calls that the policy does not allow (null: a call with no
 * name), or undefined when none. A body a policy cannot read is refused whole: a policy
 * exists to take rights away, so what it cannot see it does not let through.
 */
function deniedTool(policy: CompiledPolicy, rpc: RpcPeek | null, body: Uint8Array, service: string, catalog: ToolCatalog): string | null | undefined {
  if (rpc === null) return body.byteLength > 0 ? null : undefined;
  for (const tool of rpc.tools) if (tool === null || !allows(policy, tool, catalog.readOnly(service, tool))) return tool;
  return undefined;
}

function toolDenied(tool: string | null, instance: Instance, policy: CompiledPolicy, rpc: RpcPeek | null): Refusal {
  const what = tool === null ? "a request mcpd cannot read as JSON-RPC" : `tool "${tool}"`;
  const message = `${what} is not allowed on instance ${instance.ref} (its tool policy: ${describePolicy(policy)}); the owner can change it with: mcpd instance tools ${instance.ref}`;
  // A JSON-RPC error in a 200, as a server answers a tool it does not have: the client
  // shows the message instead of failing the transport.
  const error: ProxyErrorInit = rpc ? { status: 200, code: "tool-denied", message, rpcCode: RPC_INVALID_PARAMS } : { status: 400, code: "tool-denied", message };
  return { ok: false, kind: "error", error, event: "tool-denied", instance, rpc };
}
