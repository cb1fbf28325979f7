import { decodeFields, encodeFields, SOLE_FIELD } from "../crypto/fields.ts";
import type { Secret } from "../crypto/secret.ts";
import type { ServiceConfig } from "./schema.ts";

type Credential = NonNullable<ServiceConfig["credential"]>;
type FieldCheck = NonNullable<NonNullable<Credential["fields"]>[string]["check"]>;

/** One value a user gives for a service: its name in templates (`{team_id}`), how it is asked for and checked. */
export interface FieldSpec {
  name: string;
  label: string;
  /** Secret fields are asked with echo off, fingerprinted, never shown, and redacted from answers. */
  secret: boolean;
  check?: FieldCheck;
}

/** `{name}` in inject/env/validate templates; the names are those of credential.fields. */
export const PLACEHOLDER = /\{([a-z][a-z0-9_]*)\}/g;

/** The declared fields in order, or the one secret field `{secret}` labelled by credential.label. */
export function fieldsOf(credential: Credential): FieldSpec[] {
  if (!credential.fields) return [{ name: SOLE_FIELD, label: credential.label, secret: true }];
  return Object.entries(credential.fields).map(([name, f]) => ({ name, label: f.label, secret: f.secret, check: f.check }));
}

/** The field a value sealed as a bare string belongs to (see crypto/fields.ts). */
export function legacyFieldOf(credential: Credential | undefined): string {
  const names = credential?.fields ? Object.keys(credential.fields) : [];
  return names.length === 1 ? names[0]! : SOLE_FIELD;
}

export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** The template with each `{name}` replaced by its value; null when a named value is missing. */
export function fillTemplate(template: string, values: Record<string, string>): string | null {
  let missing = false;
  // A function replacement: a value containing "$&" must not be read as a pattern.
  const out = template.replace(PLACEHOLDER, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) {
      missing = true;
      return whole;
    }
    return v;
  });
  return missing ? null : out;
}

/** An opened credential's values by field name. */
export function valuesOf(credential: Credential | undefined, secret: Secret): Record<string, string> {
  return decodeFields(secret.reveal(), legacyFieldOf(credential));
}

/**
 * The values of the secret fields only: what must never come back out of the proxy
 * (the redaction step takes this list) and what `user list` fingerprints.
 */
export function secretValuesOf(credential: Credential | undefined, secret: Secret | null): string[] {
  if (!credential || !secret) return [];
  const values = valuesOf(credential, secret);
  return fieldsOf(credential)
    .filter((f) => f.secret && values[f.name])
    .map((f) => values[f.name]!);
}

/**
 * What is sealed for these values: the bare value for a credential with no declared
 * fields (as before fields existed), else every field together in one record.
 */
export function plaintextOf(credential: Credential, values: Record<string, string>): string {
  if (!credential.fields) return values[SOLE_FIELD] ?? "";
  const ordered: Record<string, string> = {};
  for (const f of fieldsOf(credential)) if (values[f.name] !== undefined) ordered[f.name] = values[f.name]!;
  return encodeFields(ordered);
}
