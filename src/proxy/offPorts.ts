import { McpdError } from "../util/errors.ts";

/** More than enough: with 373 service ports in a range of 28,000, one try in 75 lands on one. */
export const OFF_PORT_TRIES = 16;

/**
 * Binds with `bind` (a listener on port 0) until the kernel's pick is none of `avoid`.
 * Kernel-picked ports come from the ephemeral range, where the historic service ports
 * (49160+) lie: a listener left on one would keep that service from ever binding it. A
 * bad pick stays bound while the next is asked for, so the kernel cannot hand it back,
 * and is let go once a good one is found.
 */
export function bindOffPorts<L extends { port?: number }>(bind: () => L, avoid: ReadonlySet<number>, release: (l: L) => void): L {
  const held: L[] = [];
  try {
    for (let i = 0; i < OFF_PORT_TRIES; i++) {
      const listener = bind();
      if (!avoid.has(listener.port!)) return listener;
      held.push(listener);
    }
  } finally {
    for (const l of held) release(l);
  }
  throw new McpdError("port-in-use", `no port outside the services' ports after ${OFF_PORT_TRIES} tries for mcpd's internal listener`);
}
