/**
 * What `mcpd import` guesses about an environment variable or header it finds: whether
 * it is a per-user secret, and whether its value in the file is a stand-in for one.
 * Pure functions of the name and value; `--secret` / `--shared` override them.
 */

/** `*_TOKEN`, `*_KEY`, `*_SECRET`, `*PASSWORD*` and the bare words; names like GITHUB_PERSONAL_ACCESS_TOKEN. */
const SECRET_NAME = /(^|[_-])(TOKEN|KEY|SECRET|PAT)$|PASSWORD|PASSWD|^AUTHORIZATION$|API[_-]?KEY/i;

export function looksSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * A value that is not a real value but asks for one: empty, `<your-token>`, `YOUR_API_KEY`,
 * `${input:token}` (VS Code), `${GITHUB_TOKEN}` (Claude Code's .mcp.json), `{{token}}`,
 * `xxxx`, `...`, `changeme`.
 */
const PLACEHOLDER = [
  /^\s*$/,
  /^<[^>]*>$/,
  /\$\{[^}]+\}/,
  /^\{\{[^}]+\}\}$/,
  /^(your|my|insert|enter|put|add)[-_ ]/i,
  /[-_ ]here$/i,
  /^x{3,}$/i,
  /^\*{3,}$/,
  /^\.{3,}$/,
  /^(changeme|change[-_ ]me|todo|tbd|placeholder|replace[-_ ]?me|secret|token|api[-_ ]?key)$/i,
];

export function looksPlaceholder(value: string): boolean {
  return PLACEHOLDER.some((p) => p.test(value));
}

/** `${input:id}` → "id": VS Code names the input that supplies the value. */
export function inputIdOf(value: string): string | null {
  const m = /^\$\{input:([^}]+)\}$/.exec(value.trim());
  return m ? m[1]! : null;
}
