import { Secret } from "../crypto/secret.ts";
import type { CredentialSlot } from "./types.ts";

type Headers = Record<string, string | string[] | undefined> | undefined;

export function headerValue(headers: Headers, name: string): string | undefined {
  const v = headers?.[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The user's credential as the proxy injected it into *this* request, with the
 * `credential.inject.format` wrapping ("Bearer {secret}") taken off. Called inside each
 * tool call and dropped when the call ends: a service never keeps one between requests.
 */
export function credentialFrom(headers: Headers, slot: CredentialSlot): Secret | undefined {
  const raw = headerValue(headers, slot.header);
  if (!raw) return undefined;
  const at = slot.format.indexOf("{secret}");
  const prefix = slot.format.slice(0, at);
  const suffix = slot.format.slice(at + "{secret}".length);
  // Scheme names such as "Bearer" are case-insensitive in HTTP.
  if (raw.length < prefix.length + suffix.length) return undefined;
  if (raw.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase() || !raw.endsWith(suffix)) return undefined;
  const value = raw.slice(prefix.length, raw.length - suffix.length).trim();
  return value ? new Secret(value) : undefined;
}

/**
 * A short SHA-256 of the credential: shows which key a call ran with without showing the
 * key. The very function `mcpd user add` stores and `user list` shows, so a person can
 * match the two.
 */
export { fingerprintOf } from "../accounts/fingerprint.ts";

/** Removes every occurrence of the credential from a message bound for a person or a log. */
export function scrub(message: string, secret: Secret | undefined): string {
  const v = secret?.reveal();
  return v && v.length >= 4 ? message.split(v).join("[secret]") : message;
}
