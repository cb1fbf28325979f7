import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { keyIdOfFile, loadKeyring } from "../../src/crypto/masterKey.ts";
import { keyIdOf } from "../../src/crypto/seal.ts";
import { tempDir, TEST_MASTER_KEY } from "../helpers/tmp.ts";

let tmp: ReturnType<typeof tempDir>;
afterEach(() => tmp?.cleanup());

describe("data/master.key", () => {
  test("is created 0600 on first use, in a 0700 data dir, and the same key is read back", async () => {
    tmp = tempDir("mcpd-key");
    const keyFile = join(tmp.dir, "data", "master.key");
    const first = await loadKeyring(keyFile, { create: true, env: {} });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(tmp.dir, "data")).mode & 0o777).toBe(0o700);
    const again = await loadKeyring(keyFile, { create: true, env: {} });
    expect(again.current).toBe(first.current);
    expect(keyIdOfFile(keyFile)).toBe(first.current);
  });

  test("is refused with the chmod that fixes it when its mode lets others read it", async () => {
    tmp = tempDir("mcpd-key");
    const keyFile = join(tmp.dir, "master.key");
    await loadKeyring(keyFile, { create: true, env: {} });
    for (const mode of [0o644, 0o640, 0o604]) {
      chmodSync(keyFile, mode);
      await expect(loadKeyring(keyFile, { create: true, env: {} })).rejects.toThrow(
        `${keyFile}: mode 0${mode.toString(8)} lets other users read the master key; run: chmod 600 ${keyFile}`,
      );
    }
  });

  test("is not created when the caller only reads", async () => {
    tmp = tempDir("mcpd-key");
    const keyFile = join(tmp.dir, "master.key");
    await expect(loadKeyring(keyFile, { create: false, env: {} })).rejects.toThrow(`${keyFile}: no master key yet`);
  });

  test("a file that does not hold a 32-byte key is refused", async () => {
    tmp = tempDir("mcpd-key");
    const keyFile = join(tmp.dir, "master.key");
    writeFileSync(keyFile, "not a key\n", { mode: 0o600 });
    await expect(loadKeyring(keyFile, { create: false, env: {} })).rejects.toThrow(`${keyFile}: not a master key (expected 32 bytes as base64 or 64 hex digits)`);
  });
});

describe("MCPD_MASTER_KEY", () => {
  test("wins over the file, and no file is created", async () => {
    tmp = tempDir("mcpd-key");
    const keyFile = join(tmp.dir, "master.key");
    const ring = await loadKeyring(keyFile, { create: true, env: { MCPD_MASTER_KEY: TEST_MASTER_KEY } });
    expect(ring.current).toBe(keyIdOf(Buffer.from(TEST_MASTER_KEY, "base64")));
    expect(() => statSync(keyFile)).toThrow();
  });

  test("a malformed value is refused naming the variable, never echoing it", async () => {
    tmp = tempDir("mcpd-key");
    const bad = "c2hvcnQ=";
    const attempt = loadKeyring(join(tmp.dir, "master.key"), { create: true, env: { MCPD_MASTER_KEY: bad } });
    await expect(attempt).rejects.toThrow("MCPD_MASTER_KEY: not a master key");
    await attempt.catch((e: Error) => expect(e.message).not.toContain(bad));
  });
});

test("a command reading the keys while another process writes a rotation's next key never finds it half written", async () => {
  const t = tempDir("mcpd-key-race");
  try {
    const keyFile = join(t.dir, "master.key");
    await loadKeyring(keyFile, { create: true, env: {} });
    // Another process, as `mcpd key rotate` is: writes master.key.new and takes it away, over and over.
    const writer = Bun.spawn([process.execPath, "-e", `
      const { writeKeyFile, newKey } = await import(${JSON.stringify(join(import.meta.dir, "../../src/crypto/masterKey.ts"))});
      const { unlinkSync } = await import("node:fs");
      const { ready } = await import(${JSON.stringify(join(import.meta.dir, "../../src/crypto/sodium.ts"))});
      await ready();
      for (let i = 0; i < 3000; i++) { writeKeyFile(${JSON.stringify(keyFile + ".new")}, newKey()); unlinkSync(${JSON.stringify(keyFile + ".new")}); }
    `], { stdout: "ignore", stderr: "pipe" });
    const errors: string[] = [];
    let reads = 0;
    while (writer.exitCode === null) {
      try {
        await loadKeyring(keyFile, { create: false, env: {} });
      } catch (e) {
        errors.push((e as Error).message);
      }
      // Through the event loop now and then, or the writer's exit is never heard.
      if (++reads % 20 === 0) await Bun.sleep(0);
    }
    expect(await writer.exited).toBe(0);
    expect(reads).toBeGreaterThan(100);
    expect(errors).toEqual([]);
  } finally {
    t.cleanup();
  }
}, 60_000);
