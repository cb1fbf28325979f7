import type { Service } from "./schema.ts";

/** The API base URL a service talks to: the override variable when set, else the config's. */
export function upstreamBase(service: Pick<Service, "upstream">, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const u = service.upstream;
  if (!u) return undefined;
  const override = u.env ? env[u.env] : undefined;
  return (override || u.baseUrl).replace(/\/+$/, "");
}

/** Absolute URLs stay; a path is taken under the (overridable) upstream base. */
export function resolveUpstreamUrl(service: Pick<Service, "upstream" | "name">, url: string, env: NodeJS.ProcessEnv = process.env): string {
  if (/^https?:\/\//.test(url)) return url;
  const base = upstreamBase(service, env);
  if (!base) throw new Error(`service ${service.name}: "${url}" is a path but the config has no upstream.baseUrl`);
  return base + (url.startsWith("/") ? url : "/" + url);
}
