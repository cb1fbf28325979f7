import { afterEach, describe, expect, test } from "bun:test";
import { validateCredential } from "../../src/accounts/validateCredential.ts";
import { Secret } from "../../src/crypto/secret.ts";
import { freePort } from "../helpers/net.ts";
import { acceptsOnly, demoConfig, fakeApi, fakeServiceConfig, FAKE_API_ENV, world, type FakeApi, type World } from "./world.ts";

let w: World;
let api: FakeApi | undefined;
afterEach(async () => {
  await api?.stop();
  api = undefined;
  w?.cleanup();
});

const KEY = "tok-9f8e7d6c5b4a";

describe("an HTTP-validated key", () => {
  test("is accepted when the API answers the expected status, sent as the config formats it", async () => {
    w = world();
    api = fakeApi(acceptsOnly(KEY));
    const r = await validateCredential(w.service("fake"), new Secret(KEY), { env: { [FAKE_API_ENV]: api.url } });
    expect(r).toEqual({ ok: true, checked: "http" });
    expect(api.seen[0]!.get("x-fake-token")).toBe(`Bearer ${KEY}`);
  });

  test("is rejected with the service, the status and the request named, and never the key", async () => {
    w = world();
    api = fakeApi(acceptsOnly("another"));
    const r = await validateCredential(w.service("fake"), new Secret(KEY), { env: { [FAKE_API_ENV]: api.url } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe("rejected");
    expect(r.message).toBe(`fake rejected the key (HTTP 403 from GET ${api.url}/v1/me)`);
    expect(r.message).not.toContain(KEY);
  });

  test("is reported unreachable, not rejected, when nothing listens", async () => {
    w = world();
    const port = await freePort();
    const r = await validateCredential(w.service("fake"), new Secret(KEY), { env: { [FAKE_API_ENV]: `http://127.0.0.1:${port}` } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe("unreachable");
    expect(r.message).toStartWith(`cannot reach fake to check the key (GET http://127.0.0.1:${port}/v1/me`);
  });

  test("times out after the config's timeoutMs when the API never answers", async () => {
    w = world();
    api = fakeApi(() => new Promise<Response>(() => {}));
    const started = performance.now();
    const r = await validateCredential(w.service("fake"), new Secret(KEY), { env: { [FAKE_API_ENV]: api.url } });
    const took = performance.now() - started;
    expect(r).toMatchObject({ ok: false, reason: "timeout", message: `fake did not answer within 500 ms (GET ${api.url}/v1/me)` });
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(5_000);
  });

  test("a 5xx or 429 means the API is unavailable, not that the key is bad", async () => {
    w = world();
    for (const status of [503, 429]) {
      api = fakeApi(() => new Response("busy", { status }));
      const r = await validateCredential(w.service("fake"), new Secret(KEY), { env: { [FAKE_API_ENV]: api.url } });
      expect(r).toMatchObject({ ok: false, reason: "unreachable" });
      if (!r.ok) expect(r.message).toContain(`HTTP ${status} from GET`);
      await api.stop();
      api = undefined;
    }
  });

  test("a redirect is not followed, so the key's header never goes elsewhere", async () => {
    w = world();
    const elsewhere = fakeApi(() => Response.json({ id: "u1" }));
    try {
      api = fakeApi(() => Response.redirect(`${elsewhere.url}/v1/me`, 302));
      const r = await validateCredential(w.service("fake"), new Secret(KEY), { env: { [FAKE_API_ENV]: api.url } });
      expect(r).toMatchObject({ ok: false, reason: "rejected" });
      expect(elsewhere.seen).toHaveLength(0);
    } finally {
      await elsewhere.stop();
    }
  });
});

describe("expectJson (Slack answers 200 with ok:false)", () => {
  test("a 200 whose body says ok:false is a rejection naming the field and the API's error code", async () => {
    w = world([fakeServiceConfig({ method: "POST", expectJson: { ok: true } })]);
    api = fakeApi(() => Response.json({ ok: false, error: "invalid_auth" }));
    const r = await validateCredential(w.service("fake"), new Secret(KEY), { env: { [FAKE_API_ENV]: api.url } });
    expect(r).toMatchObject({ ok: false, reason: "rejected" });
    if (!r.ok) expect(r.message).toBe(`fake rejected the key (HTTP 200 from POST ${api.url}/v1/me: ok is false, expected true, error "invalid_auth")`);
  });

  test("a 200 whose body says ok:true is accepted", async () => {
    w = world([fakeServiceConfig({ expectJson: { ok: true } })]);
    api = fakeApi(() => Response.json({ ok: true, user: "U1" }));
    expect(await validateCredential(w.service("fake"), new Secret(KEY), { env: { [FAKE_API_ENV]: api.url } })).toEqual({ ok: true, checked: "http" });
  });

  test("a body that is not JSON is a rejection", async () => {
    w = world([fakeServiceConfig({ expectJson: { ok: true } })]);
    api = fakeApi(() => new Response("<html>login</html>"));
    const r = await validateCredential(w.service("fake"), new Secret(KEY), { env: { [FAKE_API_ENV]: api.url } });
    expect(r).toMatchObject({ ok: false, reason: "rejected", message: `fake rejected the key (HTTP 200 from GET ${api.url}/v1/me: the answer is not JSON)` });
  });

  test("a key the API echoes back is scrubbed from the message", async () => {
    w = world([fakeServiceConfig({ expectJson: { ok: true } })]);
    api = fakeApi(() => Response.json({ ok: KEY }));
    const r = await validateCredential(w.service("fake"), new Secret(KEY), { env: { [FAKE_API_ENV]: api.url } });
    expect(r).toMatchObject({ ok: false, reason: "rejected" });
    if (!r.ok) expect(r.message).toBe(`fake rejected the key (HTTP 200 from GET ${api.url}/v1/me: ok is "[secret]", expected true)`);
  });
});

describe("local validation (demo needs no network)", () => {
  test("accepts any non-blank key and rejects a blank one", async () => {
    w = world([demoConfig]);
    expect(await validateCredential(w.service("demo"), new Secret("x"))).toEqual({ ok: true, checked: "local" });
    expect(await validateCredential(w.service("demo"), new Secret("  "))).toEqual({ ok: false, reason: "rejected", message: "demo rejected the key: it is empty" });
  });
});
