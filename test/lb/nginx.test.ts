// The config `mcpd lb nginx` prints, run by a real nginx in front of loopback nodes that
// answer with their own name: nginx's own hashing decides, not a model of it.
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { newInstanceId } from "../../src/accounts/instanceId.ts";
import { startNginx, type Nginx } from "../helpers/nginx.ts";
import { tempDir } from "../helpers/tmp.ts";

type Node = ReturnType<typeof Bun.serve>;
let nodes: Node[] = [];
let nginx: Nginx | null = null;
let cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const c of cleanups) c();
  cleanups = [];
  await nginx?.stop();
  nginx = null;
  for (const n of nodes) n.stop(true);
  nodes = [];
});

function startNodes(count: number): Node[] {
  return Array.from({ length: count }, (_, i) =>
    Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => new Response(`node${i + 1} ${new URL(req.url).pathname}`) }),
  );
}

/** nginx running exactly what `mcpd lb nginx` printed for these nodes. */
async function balancer(over: Node[], extra: string[] = []): Promise<Nginx> {
  return startNginx((port) => {
    const r = Bun.spawnSync([process.execPath, join(import.meta.dir, "../../src/cli/main.ts"), "lb", "nginx", ...over.flatMap((n) => ["--node", `127.0.0.1:${n.port}`]), "--listen", `127.0.0.1:${port}`, ...extra]);
    if (r.exitCode !== 0) throw new Error(r.stderr.toString());
    return r.stdout.toString();
  });
}

/** Which node answers each instance, 32 requests at a time. */
async function placement(lb: Nginx, ids: string[], rest = "/demo/mcp"): Promise<string[]> {
  const out: string[] = new Array(ids.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < ids.length) {
        const i = next++;
        const text = await (await fetch(`${lb.url}/${ids[i]}${rest}`)).text();
        out[i] = text.split(" ")[0]!;
        expect(text).toEndWith(`/${ids[i]}${rest}`);
      }
    }),
  );
  return out;
}

test("every request of an instance reaches one node; a third node takes about a third of 2,000 instances from the other two", async () => {
  nodes = startNodes(3);
  const ids = Array.from({ length: 2000 }, (_, i) => newInstanceId("demo", `u${i}`));
  nginx = await balancer(nodes.slice(0, 2));
  const two = await placement(nginx, ids);
  expect(await placement(nginx, ids, "/demo/messages/x")).toEqual(two);
  const share1 = two.filter((n) => n === "node1").length / ids.length;
  expect(share1).toBeGreaterThan(0.3);
  expect(share1).toBeLessThan(0.7);
  await nginx.stop();

  nginx = await balancer(nodes);
  const three = await placement(nginx, ids);
  const moved = ids.filter((_, i) => three[i] !== two[i]);
  // Only to the new node: nothing moves between the nodes that were there.
  for (let i = 0; i < ids.length; i++) if (three[i] !== two[i]) expect(three[i]).toBe("node3");
  const fraction = moved.length / ids.length;
  console.log(`a third node took ${moved.length} of ${ids.length} instances (${(fraction * 100).toFixed(1)}%)`);
  expect(fraction).toBeGreaterThan(0.22);
  expect(fraction).toBeLessThan(0.45);
}, 120_000);

test("with --access-log the log has every request and no instance id", async () => {
  nodes = startNodes(2);
  const tmp = tempDir("mcpd-lb-log");
  cleanups.push(tmp.cleanup);
  const logFile = join(tmp.dir, "access.log");
  nginx = await balancer(nodes, ["--access-log", logFile]);
  const ids = Array.from({ length: 20 }, (_, i) => newInstanceId("demo", `u${i}`));
  for (const id of ids) expect((await fetch(`${nginx.url}/${id}/demo/mcp?sessionId=s3cret`)).status).toBe(200);
  expect((await fetch(`${nginx.url}/${ids[0]}`)).status).toBe(200);
  await nginx.stop(); // flushes the log
  nginx = null;
  const log = readFileSync(logFile, "utf8");
  expect(log.split("\n").filter((l) => l.includes('"GET /[instance]/demo/mcp"')).length).toBe(20);
  expect(log).toContain('"GET /[instance]"');
  for (const id of ids) expect(log).not.toContain(id.slice(-22));
  expect(log).not.toContain("s3cret");
}, 60_000);

test("an event stream passes event by event, not when the response ends", async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const enc = new TextEncoder();
  nodes = [
    Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () =>
        new Response(
          new ReadableStream({
            async start(c) {
              c.enqueue(enc.encode("data: first\n\n"));
              await released;
              c.enqueue(enc.encode("data: second\n\n"));
              c.close();
            },
          }),
          { headers: { "content-type": "text/event-stream" } },
        ),
    }),
  ];
  nginx = await balancer(nodes);
  const res = await fetch(`${nginx.url}/${newInstanceId("demo", "a")}/demo/mcp`);
  const reader = res.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  expect(first).toBe("data: first\n\n");
  release();
  let rest = "";
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
  expect(rest).toBe("data: second\n\n");
}, 60_000);
