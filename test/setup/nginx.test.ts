import { afterEach, expect, test } from "bun:test";
import { startNginx, type Nginx } from "../helpers/nginx.ts";

let nginx: Nginx | null = null;
let backends: ReturnType<typeof Bun.serve>[] = [];
afterEach(async () => {
  await nginx?.stop();
  nginx = null;
  for (const b of backends) b.stop(true);
  backends = [];
});

test("a throwaway nginx proxies to loopback backends and is gone after stop()", async () => {
  backends = ["a", "b"].map((name) => Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: (req) => new Response(`${name} ${new URL(req.url).pathname}`) }));
  nginx = await startNginx(
    (port) => `
  upstream backends { ${backends.map((b) => `server 127.0.0.1:${b.port};`).join(" ")} }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://backends; }
  }`,
  );
  const seen = new Set<string>();
  for (let i = 0; i < 4; i++) {
    const res = await fetch(`${nginx.url}/x/y`);
    expect(res.status).toBe(200);
    seen.add(await res.text());
  }
  expect([...seen].sort()).toEqual(["a /x/y", "b /x/y"]);

  const { url } = nginx;
  await nginx.stop();
  nginx = null;
  expect(await fetch(url).then(() => "answered", () => "refused")).toBe("refused");
}, 60_000);

test("a config nginx rejects fails with nginx's own message", async () => {
  await expect(startNginx((port) => `server { listen 127.0.0.1:${port}; no_such_directive on; }`)).rejects.toThrow(/unknown directive "no_such_directive"/);
}, 60_000);
