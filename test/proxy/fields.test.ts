import { afterEach, describe, expect, test } from "bun:test";
import { plaintextOf } from "../../src/registry/fields.ts";
import { addUser, callTool, fingerprint, KEY_HEADER, openSession, reach, world, type Via, type World } from "./harness.ts";

let w: World | undefined;
afterEach(async () => {
  await w?.cleanup();
  w = undefined;
});

const whoami = async (proxy: World["proxy"], url: string) => {
  const sid = await openSession(proxy, url);
  return JSON.parse((await callTool(proxy, url, sid, "whoami")).result.content[0].text);
};

describe.each(["function", "front"] as Via[])("named credential fields (%s)", (via) => {
  test("both fields of a two-field credential reach the service, each user's own", async () => {
    w = await world({
      service: {
        credential: {
          label: "two",
          fields: { token: { label: "token", secret: true }, team_id: { label: "team", secret: false } },
          inject: { header: KEY_HEADER, format: "{token}@{team_id}" },
        },
      } as never,
    });
    const cred = w.service.credential!;
    const a = addUser(w.store, w.keyring, "alice", w.service, plaintextOf(cred, { token: "tok-a", team_id: "T1" }));
    const b = addUser(w.store, w.keyring, "bob", w.service, plaintextOf(cred, { token: "tok-b", team_id: "T2" }));
    const r = reach(w, via);
    try {
      expect((await whoami(r.proxy, w.url(a.id))).fingerprint).toBe(fingerprint("tok-a@T1"));
      expect((await whoami(r.proxy, w.url(b.id))).fingerprint).toBe(fingerprint("tok-b@T2"));
    } finally {
      await r.close();
    }
  });

  test("a key sealed as a bare value before fields existed is injected as before", async () => {
    w = await world({ service: { credential: { label: "k", inject: { header: KEY_HEADER, format: "Bearer {secret}" } } } as never });
    const a = addUser(w.store, w.keyring, "alice", w.service, "legacy-key");
    const r = reach(w, via);
    try {
      expect((await whoami(r.proxy, w.url(a.id))).fingerprint).toBe(fingerprint("Bearer legacy-key"));
    } finally {
      await r.close();
    }
  });
});
