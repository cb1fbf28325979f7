/**
 * DNS-rebinding protection for a server on localhost. A browser always sends `Origin`
 * on the cross-origin requests a hostile page could make; a page on evil.example whose
 * name was re-pointed at 127.0.0.1 still says `Origin: http://evil.example`.
 *
 * Policy: no Origin (CLI clients, SDKs, curl) is fine; a loopback origin (a local tool
 * such as the MCP Inspector on http://localhost:6274) is fine, since it already runs
 * on this machine and still needs the instance id; any other origin must be on the allow
 * list (exact `scheme://host[:port]`, or "*"); "null" origins (sandboxed frames,
 * file://) are refused.
 */

export type OriginCheck = { ok: true } | { ok: false; code: "origin-refused"; message: string };

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export function isLoopbackOrigin(origin: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === "http:" || u.protocol === "https:") && (LOOPBACK_HOSTS.has(u.hostname) || u.hostname.endsWith(".localhost"));
  } catch {
    return false;
  }
}

export function checkOrigin(origin: string | null, allowed: readonly string[]): OriginCheck {
  if (origin === null) return { ok: true };
  if (origin !== "null" && (allowed.includes("*") || allowed.includes(origin) || isLoopbackOrigin(origin))) return { ok: true };
  return {
    ok: false,
    code: "origin-refused",
    message: `requests from the web page at ${origin.slice(0, 200)} are refused; start mcpd with --allow-origin ${origin.slice(0, 200)} to let it in`,
  };
}
