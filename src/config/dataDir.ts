import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";

/**
 * The data dir holds every user name, ref and fingerprint, the sealed keys, the master key
 * and the audit log: it is the owner's alone, whatever the umask and however it came to
 * exist (the checkout ships `data/.gitkeep`, so git makes it 0755). Made 0700 when
 * missing; a looser one is tightened, and so is every file in it (0600) and every folder
 * (0700), with one line saying so. The dir's own mode is what keeps others out even of a
 * file created a moment ago with the umask's mode; the files' modes are for the day the
 * dir is copied or its mode loosened by hand.
 */
/**
 * Left as found: a master key someone made readable may have been read, so it is refused
 * with the chmod that fixes it (src/crypto/masterKey.ts) rather than quietly fixed.
 */
const KEY_FILE = "master.key";

export function secureDataDir(dataDir: string, say: (line: string) => void = (l) => process.stderr.write(`mcpd: ${l}\n`)): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const was = lstatSync(dataDir).mode & 0o777;
  let tightened = 0;
  const tighten = (path: string, want: number) => {
    const st = lstatSync(path);
    if (st.isSymbolicLink() || (st.mode & 0o077) === 0) return;
    chmodSync(path, want);
    tightened++;
  };
  if (was & 0o077) chmodSync(dataDir, 0o700);
  const walk = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        tighten(path, 0o700);
        if (depth < 2) walk(path, depth + 1);
      } else if (entry.isFile() && !(depth === 0 && entry.name.startsWith(KEY_FILE))) tighten(path, 0o600);
    }
  };
  walk(dataDir, 0);
  if (was & 0o077 || tightened) {
    const dirPart = was & 0o077 ? `${dataDir} was ${was.toString(8).padStart(4, "0")}: made it 0700` : `in ${dataDir}`;
    const filePart = tightened ? `${was & 0o077 ? " and" : ""} made ${tightened} file${tightened === 1 ? "" : "s"} in it the owner's alone (0600/0700)` : "";
    say(`${dirPart}${filePart}, so other users cannot read its store, keys or logs`);
  }
}
