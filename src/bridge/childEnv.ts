import type { Secret } from "../crypto/secret.ts";
import { fieldsOf, fillTemplate, placeholdersOf, valuesOf } from "../registry/fields.ts";
import type { Service } from "../registry/schema.ts";

/**
 * The environment a stdio child starts with: the daemon's environment, then the
 * service's `run.env`, then `credential.env` with each `{secret}` / `{field}` replaced
 * by the user's value. The values go only here, never into argv, where `ps` would show
 * them to every user on the machine. A variable whose template names a value the user
 * has not given is left out rather than set to its template.
 */
export function childEnv(service: Service, secret: Secret | null, base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined) env[k] = v;
  if ("command" in service.run) Object.assign(env, service.run.env);
  const values = secret ? valuesOf(service.credential, secret) : {};
  for (const [name, template] of Object.entries(service.credential?.env ?? {})) {
    const filled = fillTemplate(template, values);
    if (filled !== null) env[name] = filled;
  }
  return env;
}

/** Whether this service's children need a user's key to start. */
export function needsSecret(service: Service): boolean {
  return Object.values(service.credential?.env ?? {}).some((t) => placeholdersOf(t).length > 0);
}

/**
 * The child's command line: `{name}` in an argument is that user's value of a non-secret
 * field (server-filesystem's directory). Secret fields never go here (the registry refuses
 * a config that tries): argv is what `ps` shows every user on the machine.
 */
export function childArgv(service: Service, secret: Secret | null): string[] {
  if (!("command" in service.run)) return [];
  const { command } = service.run;
  if (!service.credential || !command.some((a) => placeholdersOf(a).length)) return command;
  const open = new Set(fieldsOf(service.credential).filter((f) => !f.secret).map((f) => f.name));
  const all = secret ? valuesOf(service.credential, secret) : {};
  const values = Object.fromEntries(Object.entries(all).filter(([k]) => open.has(k)));
  return command.map((a) => (placeholdersOf(a).length ? (fillTemplate(a, values) ?? a) : a));
}
