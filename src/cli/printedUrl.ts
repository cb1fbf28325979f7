import { urlBase } from "../accounts/instanceUrl.ts";
import type { Paths } from "../config/paths.ts";
import { readPublicUrl } from "../config/publicUrl.ts";
import { connectControl } from "../control/client.ts";

/**
 * What `user add` and `instance rotate` begin printed URLs with (accounts/instanceUrl.ts
 * decides); a note about it, when there is one, goes to stderr so --json stays clean.
 */
export async function printedUrlBase(paths: Paths, flags: { host?: string; port?: string }): Promise<string> {
  const chosen = await urlBase({
    publicUrl: readPublicUrl(paths.publicUrlFile),
    flags,
    env: process.env,
    daemonUrl: () =>
      connectControl(paths.controlSocket)
        .status()
        .then((s) => s.proxyUrl)
        .catch(() => null),
  });
  if (chosen.note) process.stderr.write(`mcpd: note: ${chosen.note}\n`);
  return chosen.base;
}
