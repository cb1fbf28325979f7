import { secretForms } from "./forms.ts";

/**
 * The byte strings one user's answers are searched for, made once per opened key (the
 * base64 and escaping are not redone per request) and wiped with it.
 */
export class Patterns {
  readonly longest: number;
  /** 1 for each byte some form starts with: where a held-back tail could begin */
  readonly firstBytes = new Uint8Array(256);

  constructor(readonly forms: readonly Buffer[]) {
    this.longest = forms.reduce((n, f) => Math.max(n, f.byteLength), 0);
    for (const f of forms) this.firstBytes[f[0]!] = 1;
  }

  static of(values: readonly string[]): Patterns | null {
    const forms = secretForms(values);
    return forms.length ? new Patterns(forms) : null;
  }

  /** Overwrites the key's bytes: a JS string cannot be, a Buffer can. */
  wipe(): void {
    for (const f of this.forms) f.fill(0);
  }
}
