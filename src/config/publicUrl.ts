import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { McpdError } from "../util/errors.ts";

/**
 * `https://mcp.example.com` or `http://host:port[/path]`: what clients reach mcpd at (a
 * balancer, a TLS front). No query, fragment or credentials, and no trailing slash, so
 * `{base}/{instance}/{service}/mcp` is the URL.
 */
export function checkPublicUrl(text: string, from = "--public-url"): string {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new McpdError("usage", `${from} ${text}: give the URL clients reach mcpd at, like https://mcp.example.com`);
  }
  if ((u.protocol !== "http:" && u.protocol !== "https:") || u.search || u.hash || u.username || u.password || text.includes("?") || text.includes("#")) {
    throw new McpdError("usage", `${from} ${text}: give an http(s) URL without query, fragment or credentials, like https://mcp.example.com`);
  }
  return `${u.origin}${u.pathname}`.replace(/\/+$/, "");
}

/** MCPD_PUBLIC_URL wins over the one kept in the data dir; null when neither is set. */
export function readPublicUrl(file: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.MCPD_PUBLIC_URL) return checkPublicUrl(env.MCPD_PUBLIC_URL, "MCPD_PUBLIC_URL");
  if (!existsSync(file)) return null;
  const kept = readFileSync(file, "utf8").trim();
  return kept ? checkPublicUrl(kept, file) : null;
}

/** Keeps `url` in the data dir for every later command; "" forgets it. */
export function writePublicUrl(file: string, url: string): void {
  if (url === "") return void rmSync(file, { force: true });
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${url}\n`, { mode: 0o600 });
}
