import { expect, test } from "bun:test";
import { decodeFields, encodeFields, FIELDS_MARK } from "../../src/crypto/fields.ts";
import { Secret } from "../../src/crypto/secret.ts";
import { fieldsOf, fillTemplate, legacyFieldOf, plaintextOf, secretValuesOf } from "../../src/registry/fields.ts";
import { ServiceConfig } from "../../src/registry/schema.ts";
import { formatCredential } from "../../src/proxy/headers.ts";
import { fingerprintOf } from "../../src/accounts/fingerprint.ts";

const slack = ServiceConfig.parse({
  name: "slack-mcp",
  prefix: "slk",
  port: 49200,
  transport: "stdio",
  mode: "per-user",
  run: { command: ["npx", "server-slack"] },
  credential: {
    label: "Slack",
    fields: {
      token: { label: "Slack bot token", check: { pattern: "^xox[bp]-" } },
      team_id: { label: "Slack team id", secret: false },
    },
    env: { SLACK_BOT_TOKEN: "{token}", SLACK_TEAM_ID: "{team_id}" },
  },
}).credential!;

test("a record sealed before named fields (a bare value) reads as the field {secret}, unchanged", () => {
  expect(decodeFields("old-key")).toEqual({ secret: "old-key" });
  expect(decodeFields("{\"token\":\"x\"}")).toEqual({ secret: "{\"token\":\"x\"}" });
  expect(formatCredential("{secret}", "old-key")).toBe("old-key");
  expect(formatCredential("Bearer {secret}", "old-key")).toBe("Bearer old-key");
});

test("a service that later names its one field still reads the bare records stored before", () => {
  const one = ServiceConfig.parse({
    name: "x", prefix: "xx", port: 49201, run: { builtin: "x" },
    credential: { fields: { token: { label: "token" } }, inject: { header: "Authorization", format: "Bearer {token}" } },
  }).credential!;
  expect(legacyFieldOf(one)).toBe("token");
  expect(formatCredential("Bearer {token}", "old-key", legacyFieldOf(one))).toBe("Bearer old-key");
});

test("several fields are sealed together as one marked record and filled by name", () => {
  const plain = plaintextOf(slack, { team_id: "T42", token: "xoxb-1" });
  expect(plain.startsWith(FIELDS_MARK)).toBe(true);
  expect(decodeFields(plain)).toEqual({ token: "xoxb-1", team_id: "T42" });
  expect(formatCredential("{token}|{team_id}", plain)).toBe("xoxb-1|T42");
  expect(formatCredential("{token}|{other}", plain)).toBeNull();
  expect(fillTemplate("a$&{token}$1", { token: "k$&" })).toBe("a$&k$&$1");
  expect(encodeFields({ a: "1" })).toBe(FIELDS_MARK + '{"a":"1"}');
});

test("only the secret fields are handed to redaction and fingerprinted", () => {
  const secret = new Secret(plaintextOf(slack, { token: "xoxb-secret-1", team_id: "T42" }));
  expect(secretValuesOf(slack, secret)).toEqual(["xoxb-secret-1"]);
  expect(fieldsOf(slack).map((f) => [f.name, f.secret])).toEqual([["token", true], ["team_id", false]]);
  const fp = fingerprintOf(secret, slack);
  expect(fp).toMatch(/^token:[0-9a-f]{16}$/);
  expect(fp).not.toContain("T42");
  // The one-field form keeps today's plain fingerprint.
  expect(fingerprintOf(new Secret("k"))).toMatch(/^[0-9a-f]{16}$/);
});

test("a template naming a field the credential does not declare is a config error naming both", () => {
  const r = ServiceConfig.safeParse({
    name: "x", prefix: "xx", port: 49201, run: { builtin: "x" },
    credential: { fields: { token: { label: "t" } }, inject: { header: "X-Key", format: "{token}:{team}" } },
  });
  expect(r.success).toBe(false);
  expect(r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual(["credential.inject.format: {team} is not a field of this credential (fields: token)"]);
  const bad = ServiceConfig.safeParse({ name: "x", prefix: "xx", port: 49201, run: { builtin: "x" }, credential: { inject: { header: "X-Key", format: "Bearer" } } });
  expect(bad.error!.issues[0]!.message).toBe("must contain {secret} or a field name like {token}");
});
