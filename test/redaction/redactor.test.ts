import { expect, test } from "bun:test";
import { secretForms } from "../../src/redaction/forms.ts";
import { Redactor } from "../../src/redaction/redactor.ts";
import { Patterns } from "../../src/redaction/patterns.ts";

const KEY = "sk-live/4f+Qx9zA&b=c";
const text = (b: Uint8Array) => new TextDecoder().decode(b);

test("every spelling of a key is replaced, wherever a stream is split", () => {
  const b64 = Buffer.from(KEY).toString("base64").replace(/=+$/, "");
  const b64url = Buffer.from(KEY).toString("base64url");
  const answer = `{"a":"${KEY}","b":"${b64}==","c":"${b64url}","d":"https://x/?k=${encodeURIComponent(KEY)}","e":${JSON.stringify(`q"${KEY}"`)}}`;
  const bytes = Buffer.from(answer);
  const expected = '{"a":"[redacted]","b":"[redacted]==","c":"[redacted]","d":"https://x/?k=[redacted]","e":"q\\"[redacted]\\""}';
  for (let cut = 0; cut <= bytes.length; cut++) {
    for (const second of [cut, Math.min(bytes.length, cut + 3)]) {
      const r = new Redactor(new Patterns(secretForms([KEY])));
      const out = [r.push(bytes.subarray(0, cut)), r.push(bytes.subarray(cut, second)), r.push(bytes.subarray(second)), r.flush()].map(text).join("");
      expect(out).toBe(expected);
      expect(r.count).toBe(5);
    }
  }
});

test("text that merely resembles a key passes unchanged, and nothing is held once a piece cannot begin one", () => {
  const r = new Redactor(new Patterns(secretForms([KEY])));
  const near = `sk-live/4f+Qx9zA&b=X and sk-live/ and ${KEY.slice(1)}\n\n`;
  expect(text(r.push(Buffer.from(near)))).toBe(near);
  expect(r.holding).toBe(false);
  expect(r.count).toBe(0);
  // A piece ending in the start of the key holds just that start back.
  expect(text(r.push(Buffer.from("data: sk-live/4f")))).toBe("data: ");
  expect(r.holding).toBe(true);
  expect(text(r.push(Buffer.from("!\n\n")))).toBe("sk-live/4f!\n\n");
});

test("short values are not looked for: they would turn up by chance", () => {
  expect(secretForms(["abc", "1234567"])).toEqual([]);
  expect(secretForms(["12345678"]).length).toBeGreaterThan(0);
});
