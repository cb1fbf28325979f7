import type { Patterns } from "./patterns.ts";
import { Redactor } from "./redactor.ts";

export { Redactor, REDACTED } from "./redactor.ts";
export { Patterns } from "./patterns.ts";

/** The redactor for one answer, from the user's patterns (Credentials.patterns); null when they have none. */
export const redactorOf = (p: Patterns | null): Redactor | null => (p ? new Redactor(p) : null);

/** A whole body at once. */
export function redactWhole(r: Redactor, bytes: Uint8Array): Buffer {
  const a = r.push(bytes);
  const b = r.flush();
  return b.byteLength ? Buffer.concat([a, b]) : a;
}

/** The audit event of an answer the redactor changed, unless something else happened to it. */
export const redactedEvent = (r: Redactor | null, event: string | null | undefined): string | null =>
  event ?? (r && r.count > 0 ? "secret-redacted" : null);
