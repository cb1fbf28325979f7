import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import type { Service } from "../registry/schema.ts";
import { McpdError } from "../util/errors.ts";

/** Read once per file: a CA bundle does not change under a running daemon (a restart reads it again). */
const cas = new Map<string, string>();

/**
 * The TLS options for reaching a remote service: the system's CAs always (certificates
 * are verified, never skipped), plus the PEM file `run.ca` names for a private server.
 */
export function tlsOf(service: Pick<Service, "run" | "dir" | "name">): { ca?: string } | undefined {
  if (!("url" in service.run) || !service.run.ca) return undefined;
  const file = isAbsolute(service.run.ca) ? service.run.ca : resolve(service.dir, service.run.ca);
  let ca = cas.get(file);
  if (ca === undefined) {
    try {
      ca = readFileSync(file, "utf8");
    } catch (e) {
      throw new McpdError("remote-ca", `service ${service.name}: run.ca ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    cas.set(file, ca);
  }
  return { ca };
}

/** Where a remote service's request for `path` (and query) goes: its URL's origin, the path kept. */
export function remoteUrl(service: Pick<Service, "run">, pathAndQuery: string): string | null {
  if (!("url" in service.run)) return null;
  return new URL(service.run.url).origin + pathAndQuery;
}
