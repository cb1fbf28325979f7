import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, writeFileSync, mkdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { runCli, MCPD_FROM_SOURCE } from "../helpers/cli.ts";
import { freePort, waitFor } from "../helpers/net.ts";
import { tempDir, TEST_MASTER_KEY } from "../helpers/tmp.ts";
import { acceptsOnly, demoConfig, fakeApi, fakeServiceConfig, FAKE_API_ENV, writePorts, type FakeApi } from "../accounts/world.ts";

let tmp: ReturnType<typeof tempDir>;
let api: FakeApi | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
  tmp?.cleanup();
});

/** A data dir and a ports dir holding demo and a "fake" service checked over HTTP. */
function setup() {
  tmp = tempDir("mcpd-cli");
  const portsDir = join(tmp.dir, "ports");
  writePorts(portsDir, [demoConfig, fakeServiceConfig()]);
  const dataDir = join(tmp.dir, "data");
  const mcpd = (args: string[], opts: { stdin?: string; env?: Record<string, string | undefined> } = {}) =>
    runCli(["--data", dataDir, "--ports", portsDir, ...args], { env: { MCPD_HOST: undefined, MCPD_PORT: undefined, ...opts.env }, stdin: opts.stdin });
  return { dataDir, portsDir, mcpd };
}

const fp = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 16);

describe("mcpd user add / list / remove, instance rotate", () => {
  test("the whole lifecycle, with the documented --json shapes", async () => {
    const { mcpd } = setup();
    const added = await mcpd(["user", "add", "--service", "demo", "--user", "alice", "--key-stdin", "--json"], { stdin: "alice-key\n" });
    // No daemon runs on this data dir: the URL is the configured address, said on stderr.
    expect(added.stderr).toStartWith("mcpd: note: nothing listens on http://127.0.0.1:8080 yet");
    expect(added.code).toBe(0);
    const a = JSON.parse(added.stdout);
    expect(Object.keys(a)).toEqual(["user", "service", "ref", "instanceId", "url", "instance", "key", "fingerprint", "validated", "tools"]);
    expect(a).toMatchObject({ user: "alice", service: "demo", instance: "created", key: "stored", fingerprint: fp("alice-key"), validated: "local" });
    expect(a.url).toBe(`http://127.0.0.1:8080/${a.instanceId}/demo/mcp`);
    expect(a.ref).toMatch(/^demo_alice_[0-9a-f]{8}$/);

    const listed = await mcpd(["user", "list", "--json"]);
    const rows = JSON.parse(listed.stdout);
    expect(rows).toEqual([{ user: "alice", service: "demo", ref: a.ref, fingerprint: fp("alice-key"), created: expect.any(String), keyUpdated: expect.any(String), suspended: false, tools: "all tools" }]);
    expect(listed.stdout).not.toContain(a.instanceId);

    const rotated = await mcpd(["instance", "rotate", a.ref, "--json", "--port", "9100"]);
    expect(rotated.code).toBe(0);
    const r = JSON.parse(rotated.stdout);
    expect(Object.keys(r)).toEqual(["user", "service", "oldRef", "ref", "instanceId", "url"]);
    expect(r).toMatchObject({ user: "alice", service: "demo", oldRef: a.ref });
    expect(r.ref).not.toBe(a.ref);
    expect(r.url).toBe(`http://127.0.0.1:9100/${r.instanceId}/demo/mcp`);

    const removed = await mcpd(["user", "remove", "alice"]);
    expect(removed).toMatchObject({ code: 0, stdout: "Removed alice from demo: revoked 1 instance URL, deleted 1 key.\n" });
    expect(JSON.parse((await mcpd(["user", "list", "--json"])).stdout)).toEqual([]);
  });

  test("adding a key again keeps the URL and says so; the printed URL honours MCPD_HOST/MCPD_PORT", async () => {
    const { mcpd } = setup();
    const env = { MCPD_HOST: "mcp.example.lan", MCPD_PORT: "8443" };
    const first = await mcpd(["user", "add", "--service", "demo", "--user", "bob"], { stdin: "k1", env });
    expect(first.stdout).toMatch(/^ {2}http:\/\/mcp\.example\.lan:8443\/demo_bob_[0-9A-Za-z]{22}\/demo\/mcp$/m);
    const again = await mcpd(["user", "add", "--service", "demo", "--user", "bob"], { stdin: "k2", env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("Key replaced");
    expect(again.stdout).toMatch(/Their instance URL is unchanged \(ref demo_bob_[0-9a-f]{8}\)/);
    expect(again.stdout).not.toContain("http://");
  });

  test("a key the API rejects: exit 1, one line on stderr naming service and status, nothing stored", async () => {
    const { mcpd } = setup();
    api = fakeApi(acceptsOnly("the-right-key"));
    const r = await mcpd(["user", "add", "--service", "fake", "--user", "carol", "--key-stdin"], { stdin: "the-wrong-key", env: { [FAKE_API_ENV]: api.url } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mcpd: fake rejected the key (HTTP 403 from GET ${api.url}/v1/me); nothing was stored\n`);
    expect(r.stdout).toBe("");
    expect(JSON.parse((await mcpd(["user", "list", "--json"])).stdout)).toEqual([]);
  });

  test("an unreachable API: exit 1, one line saying so", async () => {
    const { mcpd } = setup();
    const port = await freePort();
    const r = await mcpd(["user", "add", "--service", "fake", "--user", "carol"], { stdin: "k", env: { [FAKE_API_ENV]: `http://127.0.0.1:${port}` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mcpd: cannot reach fake to check the key \(GET http:\/\/127\.0\.0\.1:\d+\/v1\/me: .*\); nothing was stored\n$/);
  });

  test("a key the API accepts is stored and never appears in any output", async () => {
    const { mcpd } = setup();
    api = fakeApi(acceptsOnly("the-right-key"));
    const r = await mcpd(["user", "add", "--service", "fake", "--user", "carol"], { stdin: "the-right-key\n", env: { [FAKE_API_ENV]: api.url } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("accepted by the service's API");
    expect(r.stdout + r.stderr).not.toContain("the-right-key");
  });

  test("usage errors are one line each", async () => {
    const { mcpd } = setup();
    expect((await mcpd(["user", "add", "--service", "demo", "--user", "someone"], { stdin: "k" })).code).toBe(0);
    const cases: Array<[string[], string]> = [
      [["user", "add", "--service", "nope", "--user", "a"], 'no service "nope" in '],
      [["user", "add", "--service", "demo", "--user", "a b"], 'user "a b": use 1-64 letters'],
      [["user", "add", "--service", "demo", "--user", "a", "--port", "0"], "--port: 0 is not a port number (1-65535)"],
      [["user", "remove", "ghost"], 'no user "ghost"'],
      [["instance", "rotate", "demo_ghost_00000000"], 'no instance matches "demo_ghost_00000000"'],
      [["instance", "rotate"], "give an instance id or ref"],
    ];
    for (const [args, message] of cases) {
      const r = await mcpd(args, { stdin: "k" });
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.stderr.split("\n")).toHaveLength(2);
      expect(r.stderr).toStartWith("mcpd: ");
      expect(r.stderr).toContain(message);
    }
  });

  test("no key on stdin is refused", async () => {
    const { mcpd } = setup();
    const r = await mcpd(["user", "add", "--service", "demo", "--user", "a", "--key-stdin"], { stdin: "\n" });
    expect(r.code).toBe(1);
    expect(r.stderr).toStartWith("mcpd: no key on stdin");
  });

  test("a master.key readable by others is refused with the chmod that fixes it", async () => {
    const { mcpd, dataDir } = setup();
    expect((await mcpd(["user", "add", "--service", "demo", "--user", "a"], { stdin: "k" })).code).toBe(0);
    chmodSync(join(dataDir, "master.key"), 0o644);
    const r = await mcpd(["user", "add", "--service", "demo", "--user", "b"], { stdin: "k" });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mcpd: ${join(dataDir, "master.key")}: mode 0644 lets other users read the master key; run: chmod 600 ${join(dataDir, "master.key")}\n`);
  });
});

describe("hidden input on a terminal", () => {
  test("the key typed at the prompt is read but never echoed", async () => {
    const { dataDir, portsDir } = setup();
    const command = [...MCPD_FROM_SOURCE, "--data", dataDir, "--ports", portsDir, "user", "add", "--service", "demo", "--user", "tty"].map((a) => `'${a}'`).join(" ");
    // script(1) gives the command a real pseudo-terminal, so raw mode and echo are the real thing.
    const proc = Bun.spawn(["script", "-qfec", command, "/dev/null"], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    try {
      let out = "";
      const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
      const pump = (async () => {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          out += new TextDecoder().decode(value);
        }
      })();
      await waitFor(() => out.includes("demo key for tty on demo: "), { what: "the key prompt", timeoutMs: 20_000 });
      proc.stdin.write("typed-secret-4711\r");
      await proc.stdin.flush();
      expect(await proc.exited).toBe(0);
      await pump;
      expect(out).not.toContain("typed-secret-4711");
      expect(out).toContain(`fingerprint ${fp("typed-secret-4711")}`);
      expect(out).toMatch(/http:\/\/127\.0\.0\.1:8080\/demo_tty_[0-9A-Za-z]{22}\/demo\/mcp/);
    } finally {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  });
});

describe("mcpd key rotate", () => {
  test("re-seals every stored key; refuses when the key comes from MCPD_MASTER_KEY", async () => {
    const { mcpd } = setup();
    for (const u of ["a", "b", "c"]) expect((await mcpd(["user", "add", "--service", "demo", "--user", u], { stdin: `key-${u}` })).code).toBe(0);
    const r = await mcpd(["key", "rotate", "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ resealed: 3, resumed: false, daemonRunning: false });
    expect(out.newKeyId).not.toBe(out.oldKeyId);
    // Still usable after rotation: adding again opens nothing, but rotating again must open all three.
    expect(JSON.parse((await mcpd(["key", "rotate", "--json"])).stdout)).toMatchObject({ resealed: 3, oldKeyId: out.newKeyId });

    const refused = await mcpd(["key", "rotate"], { env: { MCPD_MASTER_KEY: TEST_MASTER_KEY } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toStartWith("mcpd: the master key comes from MCPD_MASTER_KEY, so there is no key file to rotate");
    expect(refused.stderr.split("\n")).toHaveLength(2);
  });
});

describe("mcpd services with a broken config", () => {
  test("lists it as invalid naming the file and the field; --check exits 1", async () => {
    const { mcpd, portsDir } = setup();
    mkdirSync(join(portsDir, "bad"));
    writeFileSync(join(portsDir, "bad", "config.json"), JSON.stringify({ ...demoConfig, name: "bad", prefix: "bad", port: 80 }));
    const r = await mcpd(["services", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toContainEqual({ name: "bad", invalid: true, config: join(portsDir, "bad", "config.json"), problems: [`${join(portsDir, "bad", "config.json")}: port: 80 is below 1024`] });
    const checked = await mcpd(["services", "--check"]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toBe("mcpd: 1 service config is broken: bad\n");
  });
});
