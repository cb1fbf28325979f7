import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh temp dir; call the returned `cleanup` in afterEach. */
export function tempDir(label = "mcpd"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fixed master key for tests that don't exercise the key file itself (base64, 32 bytes). */
export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString("base64");
