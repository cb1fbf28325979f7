/**
 * The spellings of a user's secret that may come back in an answer: as typed, escaped
 * inside a JSON string, base64 and base64url (a tool that "encodes" its input), and
 * percent-encoded (an upstream error quoting the request URL). Each is looked for as bytes.
 */

/**
 * Shorter values are not redacted: a 4-character value would turn up by chance in any
 * long answer, and an answer full of `[redacted]` where no key was is no protection.
 */
export const MIN_SECRET_CHARS = 8;

export function secretForms(values: readonly string[]): Buffer[] {
  const seen = new Set<string>();
  for (const v of values) {
    if (v.length < MIN_SECRET_CHARS) continue;
    const bytes = Buffer.from(v, "utf8");
    // Padding is left off: the same bytes appear unpadded, or padded, or mid-string.
    for (const form of [v, JSON.stringify(v).slice(1, -1), bytes.toString("base64").replace(/=+$/, ""), bytes.toString("base64url"), encodeURIComponent(v)]) seen.add(form);
  }
  // Longest first: where two spellings start at one place, the whole of the longer goes.
  return [...seen].sort((a, b) => b.length - a.length).map((f) => Buffer.from(f, "utf8"));
}
