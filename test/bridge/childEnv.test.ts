import { expect, test } from "bun:test";
import { childEnv, needsSecret } from "../../src/bridge/childEnv.ts";
import { Secret } from "../../src/crypto/secret.ts";
import { fixtureService } from "./harness.ts";

test("the key reaches the child's environment through credential.env", () => {
  const svc = fixtureService({ run: { command: ["node", "x.mjs"], env: { MODE: "test" } } });
  const env = childEnv(svc, new Secret("k-123"), { PATH: "/bin" });
  expect(env).toEqual({ PATH: "/bin", MODE: "test", ENVKEY_TOKEN: "k-123" });
});

test("a key with $ patterns is inserted literally", () => {
  const svc = fixtureService({ credential: { env: { AUTH: "Bearer {secret}" } } });
  expect(childEnv(svc, new Secret("a$&b$1"), {}).AUTH).toBe("Bearer a$&b$1");
});

test("without a key, a templated variable is left out rather than set to a placeholder", () => {
  const env = childEnv(fixtureService(), null, {});
  expect("ENVKEY_TOKEN" in env).toBe(false);
  expect(needsSecret(fixtureService())).toBe(true);
  expect(needsSecret(fixtureService({ credential: undefined, mode: "shared" }))).toBe(false);
});

test("each named field reaches its own variable; one left out of the record leaves its variable out", async () => {
  const { plaintextOf } = await import("../../src/registry/fields.ts");
  const svc = fixtureService({
    credential: {
      fields: { token: { label: "bot token" }, team_id: { label: "team", secret: false } },
      env: { SLACK_BOT_TOKEN: "{token}", SLACK_TEAM_ID: "{team_id}", BOTH: "{team_id}:{token}" },
    },
  });
  const env = childEnv(svc, new Secret(plaintextOf(svc.credential!, { token: "xoxb-9", team_id: "T9" })), {});
  expect(env).toEqual({ SLACK_BOT_TOKEN: "xoxb-9", SLACK_TEAM_ID: "T9", BOTH: "T9:xoxb-9" });
  expect(needsSecret(svc)).toBe(true);
  const partial = childEnv(svc, new Secret(plaintextOf(svc.credential!, { token: "xoxb-9" })), {});
  expect(partial).toEqual({ SLACK_BOT_TOKEN: "xoxb-9" });
});
