import { expect, test } from "bun:test";
import { checkOrigin } from "../../src/proxy/origin.ts";

test("no Origin (CLI clients, SDKs) is fine", () => {
  expect(checkOrigin(null, []).ok).toBe(true);
});

test("loopback origins are fine by default; others only when listed", () => {
  for (const o of ["http://localhost:6274", "http://127.0.0.1:3000", "http://[::1]:8080", "https://app.localhost"]) expect(checkOrigin(o, []).ok).toBe(true);
  for (const o of ["http://evil.example", "http://127.0.0.1.evil.example", "null", "file://", "not a url"]) expect(checkOrigin(o, []).ok).toBe(false);
  expect(checkOrigin("https://claude.example", ["https://claude.example"]).ok).toBe(true);
  expect(checkOrigin("https://other.example", ["*"]).ok).toBe(true);
  expect(checkOrigin("null", ["*"]).ok).toBe(false);
});

test("a refusal says what to do", () => {
  const r = checkOrigin("http://evil.example", []);
  expect(r).toMatchObject({ ok: false, code: "origin-refused" });
  expect(!r.ok && r.message).toContain("start mcpd with --allow-origin http://evil.example to let it in");
});
