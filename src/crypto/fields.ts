/**
 * The sealed plaintext of a credential. A one-field credential (`{secret}`) is sealed as
 * the bare value, exactly as every record before named fields was; a credential with
 * named fields is sealed as a mark and a JSON object. The mark starts with a NUL, which
 * no typed or piped key contains (readKey trims and refuses control characters), so an
 * old record can never be mistaken for a new one and is read unchanged.
 */
export const FIELDS_MARK = "\u0000mcpd-fields/1\u0000";

/** The one field of a record sealed before fields had names. */
export const SOLE_FIELD = "secret";

export function encodeFields(values: Record<string, string>): string {
  return FIELDS_MARK + JSON.stringify(values);
}

export function isFieldRecord(plaintext: string): boolean {
  return plaintext.startsWith(FIELDS_MARK);
}

/**
 * The values by field name. A bare value is the field `legacyName`: "secret", or the
 * service's only field when it names one, so a config that gives its one field a name
 * keeps the keys stored before it did.
 */
export function decodeFields(plaintext: string, legacyName: string = SOLE_FIELD): Record<string, string> {
  if (!isFieldRecord(plaintext)) return { [legacyName]: plaintext };
  const parsed: unknown = JSON.parse(plaintext.slice(FIELDS_MARK.length));
  const out: Record<string, string> = {};
  if (parsed && typeof parsed === "object") {
    for (const [k, v] of Object.entries(parsed)) if (typeof v === "string") out[k] = v;
  }
  return out;
}
