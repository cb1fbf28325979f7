import { afterEach, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { loadKeyring } from "../../src/crypto/masterKey.ts";
import { associatedData, open } from "../../src/crypto/seal.ts";
import { decodeFields } from "../../src/crypto/fields.ts";
import { openStore } from "../../src/store/index.ts";
import { MCPD_FROM_SOURCE, runCli } from "../helpers/cli.ts";
import { waitFor } from "../helpers/net.ts";
import { tempDir } from "../helpers/tmp.ts";
import { writePorts } from "../accounts/world.ts";

let tmp: ReturnType<typeof tempDir>;
afterEach(() => tmp?.cleanup());

/** A stdio service whose users each give a secret bot token and a non-secret team id. */
const duo = {
  name: "duo",
  prefix: "duo",
  port: 49992,
  transport: "stdio",
  mode: "per-user",
  run: { command: ["node", "server.mjs"] },
  credential: {
    label: "Slack",
    fields: {
      token: { label: "Slack bot token", check: { pattern: "^xoxb-" } },
      team_id: { label: "Slack team id", secret: false, check: { pattern: "^T[A-Z0-9]+$" } },
    },
    env: { SLACK_BOT_TOKEN: "{token}", SLACK_TEAM_ID: "{team_id}" },
  },
};

function setup() {
  tmp = tempDir("mcpd-fields");
  const portsDir = join(tmp.dir, "ports");
  writePorts(portsDir, [duo]);
  const dataDir = join(tmp.dir, "data");
  const mcpd = (args: string[], stdin?: string) => runCli(["--data", dataDir, "--ports", portsDir, ...args], { stdin });
  return { dataDir, portsDir, mcpd };
}

const fp = (key: string) => createHash("sha256").update(key).digest("hex").slice(0, 16);

async function storedFields(dataDir: string, user: string): Promise<Record<string, string>> {
  const store = openStore(join(dataDir, "mcpd.db"));
  try {
    const row = store.credentials.get(user, "duo")!;
    const keyring = await loadKeyring(join(dataDir, "master.key"), { create: false });
    return decodeFields(open(keyring, row, associatedData(user, "duo")).reveal());
  } finally {
    store.close();
  }
}

test("both fields are sealed together: the secret one from the JSON on stdin, the other from --field; user list fingerprints only the secret", async () => {
  const { mcpd, dataDir } = setup();
  const r = await mcpd(["user", "add", "--service", "duo", "--user", "alice", "--key-stdin", "--field", "team_id=T0001", "--json"], '{"token": "xoxb-alice-1"}');
  // No daemon runs here: the one stderr line says the printed URL has nothing behind it yet.
  expect(r.stderr).toStartWith("mcpd: note: nothing listens on");
  expect(JSON.parse(r.stdout)).toMatchObject({ key: "stored", fingerprint: `token:${fp("xoxb-alice-1")}`, validated: "local" });
  expect(await storedFields(dataDir, "alice")).toEqual({ token: "xoxb-alice-1", team_id: "T0001" });

  const both = await mcpd(["user", "add", "--service", "duo", "--user", "bob", "--key-stdin"], '{"token": "xoxb-bob-2", "team_id": "T0002"}');
  expect(both.code).toBe(0);
  expect(await storedFields(dataDir, "bob")).toEqual({ token: "xoxb-bob-2", team_id: "T0002" });

  const list = await mcpd(["user", "list"]);
  expect(list.stdout).toContain(`token:${fp("xoxb-bob-2")}`);
  for (const value of ["xoxb-alice-1", "xoxb-bob-2"]) expect(list.stdout + r.stdout + both.stdout).not.toContain(value);
});

test("a secret field on the command line, an unknown field, a missing field and a failed check are refused with one line each", async () => {
  const { mcpd } = setup();
  const asFlag = await mcpd(["user", "add", "--service", "duo", "--user", "a", "--field", "token=xoxb-1", "--field", "team_id=T1"]);
  expect(asFlag.stderr).toBe('mcpd: --field token: a secret field is never taken on the command line (ps shows it); type it, or pipe {"token": "..."} with --key-stdin\n');
  const unknown = await mcpd(["user", "add", "--service", "duo", "--user", "a", "--key-stdin", "--field", "team=T1"], "{}");
  expect(unknown.stderr).toBe("mcpd: --field team: duo has no such field (fields: token, team_id); write --field NAME=VALUE\n");
  const missing = await mcpd(["user", "add", "--service", "duo", "--user", "a", "--key-stdin"], '{"token": "xoxb-1"}');
  expect(missing.stderr).toBe("mcpd: duo needs team_id (Slack team id); give them in the JSON object on stdin or with --field NAME=VALUE\n");
  const bad = await mcpd(["user", "add", "--service", "duo", "--user", "a", "--key-stdin", "--field", "team_id=T1"], '{"token": "not-a-bot-token"}');
  expect(bad.stderr).toBe("mcpd: duo rejected token: it does not look like Slack bot token (^xoxb-); nothing was stored\n");
  expect(bad.stderr).not.toContain("not-a-bot-token");
  for (const r of [asFlag, unknown, missing, bad]) expect(r.code).toBe(1);
  expect(JSON.parse((await mcpd(["user", "list", "--json"])).stdout)).toEqual([]);
});

test("on a terminal each field is asked for in order; the secret one is never echoed, the other is", async () => {
  const { dataDir, portsDir } = setup();
  const command = [...MCPD_FROM_SOURCE, "--data", dataDir, "--ports", portsDir, "user", "add", "--service", "duo", "--user", "tty"].map((a) => `'${a}'`).join(" ");
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
    await waitFor(() => out.includes("Slack bot token (token) for tty on duo: "), { what: "the token prompt", timeoutMs: 20_000 });
    proc.stdin.write("xoxb-typed-4711\r");
    await proc.stdin.flush();
    await waitFor(() => out.includes("Slack team id (team_id) for tty on duo: "), { what: "the team id prompt", timeoutMs: 20_000 });
    proc.stdin.write("T4711\r");
    await proc.stdin.flush();
    expect(await proc.exited).toBe(0);
    await pump;
    expect(out).not.toContain("xoxb-typed-4711");
    expect(out).toContain("T4711");
    expect(out).toContain(`fingerprint token:${fp("xoxb-typed-4711")}`);
  } finally {
    proc.kill("SIGKILL");
    await proc.exited;
  }
  expect(await storedFields(dataDir, "tty")).toEqual({ token: "xoxb-typed-4711", team_id: "T4711" });
});
