import type { Secret } from "../crypto/secret.ts";
import type { Service } from "../registry/schema.ts";

/**
 * The environment a stdio child starts with: the daemon's environment, then the
 * service's `run.env`, then `credential.env` with `{secret}` replaced. The key goes
 * only here, never into argv, where `ps` would show it to every user on the machine.
 */
export function childEnv(service: Service, secret: Secret | null, base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  if ("command" in service.run) Object.assign(env, service.run.env);
  for (const [name, template] of Object.entries(service.credential?.env ?? {})) {
    if (template.includes("{secret}") && secret === null) continue;
    // A function replacement: a key containing "$&" must not be read as a pattern.
    env[name] = secret === null ? template : template.replaceAll("{secret}", () => secret.reveal());
  }
  return env;
}

/** Whether this service's children need a user's key to start. */
export function needsSecret(service: Service): boolean {
  return Object.values(service.credential?.env ?? {}).some((t) => t.includes("{secret}"));
}
