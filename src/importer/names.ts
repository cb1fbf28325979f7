/** Names for imported services: the folder/URL segment, the field names, the instance prefix. */

/** `io.github.acme/weather-mcp` → "weather-mcp"; `My Server` → "my-server". */
export function serviceNameOf(raw: string): string {
  const last = raw.split("/").filter(Boolean).pop() ?? raw;
  const slug = last
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  return slug || "server";
}

/** `GITHUB_PERSONAL_ACCESS_TOKEN` → "github_personal_access_token" (what `{…}` templates and `--field` use). */
export function fieldNameOf(variable: string): string {
  let f = variable
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  if (!/^[a-z]/.test(f)) f = "f_" + f;
  return f.slice(0, 40);
}

/** A name not among `taken`: the name itself, else name-2, name-3, … */
export function uniqueName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let i = 2; ; i++) if (!taken.has(`${name}-${i}`)) return `${name}-${i}`;
}

/**
 * A prefix (2–8 lowercase letters) not among `taken`, read off the name: "everything" →
 * "eve", then "ever", "every", …; when all of those are taken, the first three letters and
 * one or two more ("evea", "eveb", … "evezz").
 */
export function uniquePrefix(name: string, taken: ReadonlySet<string>): string {
  const letters = name.replace(/[^a-z]/g, "") || "srv";
  const base = letters.length >= 2 ? letters : letters + "x";
  for (let n = Math.min(3, base.length); n <= Math.min(8, base.length); n++) {
    const p = base.slice(0, n);
    if (p.length >= 2 && !taken.has(p)) return p;
  }
  const stem = base.slice(0, 3);
  const abc = "abcdefghijklmnopqrstuvwxyz";
  for (const a of abc) if (!taken.has(stem + a)) return stem + a;
  for (const a of abc) for (const b of abc) if (!taken.has(stem + a + b)) return stem + a + b;
  throw new Error(`no free prefix for ${name}`);
}
