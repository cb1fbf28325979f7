import { randomBytes } from "node:crypto";

/**
 * The secret each service demands on every request (x-mcpd-internal), one per service per
 * boot: made on first use, never written anywhere, handed to that service's child in its
 * environment. One that leaks (to a port squatter, say) opens that one service, not all.
 */
export function serviceTokens(): (service: string) => string {
  const tokens = new Map<string, string>();
  return (service) => {
    let t = tokens.get(service);
    if (!t) tokens.set(service, (t = randomBytes(32).toString("base64url")));
    return t;
  };
}
