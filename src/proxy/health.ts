import type { ServiceState } from "../control/types.ts";

/**
 * `GET /healthz` on the proxy port: readiness for a load balancer. Unauthenticated, so it
 * says only whether this node should get traffic and how many services can serve, never
 * which services, users or instances there are.
 */
export const HEALTH_PATH = "/healthz";

export type Readiness =
  | { ready: true; status: "ready"; servicesReady: number; services: number }
  | { ready: false; status: "draining" | "no-service-ready"; servicesReady: number; services: number };

/**
 * Ready while the node is not draining and at least one service can take a request now:
 * a healthy one, or an idle one (on-demand and stdio services start on their first
 * request). A node whose every service is starting, failing or backing off answers 503,
 * so the balancer sends its instances elsewhere until one comes up; a node with one sick
 * service among healthy ones stays in, since the balancer cannot route by service.
 */
export function readiness(states: readonly ServiceState[], draining: boolean): Readiness {
  const servicesReady = states.filter((s) => s === "healthy" || s === "idle").length;
  const counts = { servicesReady, services: states.length };
  if (draining) return { ready: false, status: "draining", ...counts };
  if (servicesReady === 0) return { ready: false, status: "no-service-ready", ...counts };
  return { ready: true, status: "ready", ...counts };
}

/** The answer: 200 or 503, never cached; HEAD gets the status alone; other methods 405. */
export function healthResponse(method: string, r: Readiness): Response {
  const headers = { "content-type": "application/json", "cache-control": "no-store" };
  if (method !== "GET" && method !== "HEAD") {
    return new Response(JSON.stringify({ error: { code: "method-not-allowed", message: `${HEALTH_PATH} answers GET and HEAD` } }), { status: 405, headers: { ...headers, allow: "GET, HEAD" } });
  }
  const body = JSON.stringify({ status: r.status, services: { ready: r.servicesReady, total: r.services } });
  return new Response(method === "HEAD" ? null : body, { status: r.ready ? 200 : 503, headers });
}
