// How fast and how big are stdio children behind the bridge?
//   bun bench/bridge.ts [children=20] [warmCalls=2000]
// Cold: a new instance's first request (spawn `node server.mjs` + initialize) and its
// first tool call. Warm: one tool call on a running child, sequential, over HTTP
// through a Bun.serve front like the proxy's. Memory: RSS per live per-user child.
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createStdioBridge, type BridgeContext } from "../src/bridge/index.ts";
import { Secret } from "../src/crypto/secret.ts";
import { parseServiceFile } from "../src/registry/load.ts";

const CHILDREN = Number(process.argv[2] ?? 20);
const WARM_CALLS = Number(process.argv[3] ?? 2000);
const dir = join(import.meta.dir, "..", "mcp-ports", "envkey");
const parsed = parseServiceFile(join(dir, "config.json"), dir);
if (Array.isArray(parsed)) throw new Error(parsed.join("\n"));
const service = { ...parsed, maxProcesses: Math.max(CHILDREN, parsed.maxProcesses) };

const bridge = createStdioBridge(service, {});
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(req) {
    const url = new URL(req.url);
    const [, ref, , ...rest] = url.pathname.split("/");
    const ctx: BridgeContext = { instanceRef: ref!, userId: ref!, secret: new Secret(`key-of-${ref}`), publicPrefix: `/${ref}/envkey` };
    return bridge.handle(new Request(new URL(`/${rest.join("/")}`, url), req), ctx);
  },
});
const base = `http://127.0.0.1:${server.port}`;
const H = { "content-type": "application/json", accept: "application/json" };
const post = async (url: string, body: unknown, sid?: string) => {
  const res = await fetch(url, { method: "POST", headers: sid ? { ...H, "mcp-session-id": sid } : H, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 200 && res.status !== 202) throw new Error(`${res.status} ${text}`);
  return { sid: res.headers.get("mcp-session-id") ?? sid, text };
};
const init = { jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } } };
const call = (id: number) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "whoami", arguments: {} } });
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;

const cold: number[] = [];
const firstCall: number[] = [];
const sessions: string[] = [];
for (let i = 0; i < CHILDREN; i++) {
  const url = `${base}/env_u${i}_x/envkey/mcp`;
  const t0 = performance.now();
  const { sid } = await post(url, init);
  const t1 = performance.now();
  await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, sid!);
  const t2 = performance.now();
  await post(url, call(1), sid!);
  const t3 = performance.now();
  cold.push(t1 - t0);
  firstCall.push(t3 - t2);
  sessions.push(sid!);
}

const url0 = `${base}/env_u0_x/envkey/mcp`;
const warm: number[] = [];
for (let i = 0; i < WARM_CALLS; i++) {
  const t0 = performance.now();
  await post(url0, call(i + 2), sessions[0]);
  warm.push(performance.now() - t0);
}

// The same call as most clients make it: SDK client, tools/call answered on an SSE stream.
const client = new Client({ name: "bench", version: "1" });
await client.connect(new StreamableHTTPClientTransport(new URL(url0)));
const sdkWarm: number[] = [];
for (let i = 0; i < WARM_CALLS / 4; i++) {
  const t0 = performance.now();
  await client.callTool({ name: "whoami", arguments: {} });
  sdkWarm.push(performance.now() - t0);
}
await client.close();

const status = bridge.status();
console.log(`children started: ${CHILDREN} (node ${Bun.spawnSync(["node", "--version"]).stdout.toString().trim()}, ${navigator.hardwareConcurrency} cores)`);
console.log(`cold first request (spawn + initialize): p50 ${ms(pct(cold, 50))}, max ${ms(Math.max(...cold))}`);
console.log(`first tool call after initialize:        p50 ${ms(pct(firstCall, 50))}`);
console.log(`warm tool call over HTTP (n=${WARM_CALLS}):     p50 ${ms(pct(warm, 50))}, p99 ${ms(pct(warm, 99))}, mean ${ms(warm.reduce((a, b) => a + b, 0) / warm.length)}`);
console.log(`warm tool call, SDK client, SSE (n=${sdkWarm.length}):  p50 ${ms(pct(sdkWarm, 50))}, p99 ${ms(pct(sdkWarm, 99))}`);
console.log(`live children ${status.live}, RSS total ${(status.rssBytes / 2 ** 20).toFixed(1)} MiB, per child ${(status.rssBytes / status.live / 2 ** 20).toFixed(1)} MiB`);
console.log(`bench process RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(1)} MiB`);

await bridge.close();
await server.stop(true);
