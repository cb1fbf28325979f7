import type { Command } from "commander";

/** `user add` for `mcpd user add`; "" for mcpd itself. */
function pathOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** Commander's "error: unknown command 'strat'\n(Did you mean start?)" as one clause. */
export function usageClause(text: string): string {
  return text
    .trim()
    .replace(/^error:\s*/, "")
    .replace(/\s*\n\(Did you mean (.*)\?\)$/, "; did you mean $1?")
    .replace(/\s*\n\s*/g, " ")
    .replace(/\.$/, "");
}

/**
 * Makes every usage error of `cmd` and its subcommands one stderr line that names the help
 * to read, as every other failing command prints (README: one line on stderr): commander
 * itself prints its error, then the whole usage text, which scripts and people must dig through.
 */
export function oneLineUsageErrors(cmd: Command): void {
  const path = pathOf(cmd);
  const see = `(see: mcpd ${path ? `${path} ` : ""}--help)`;
  const visible = cmd.commands.filter((c) => !c.name().startsWith("_")).map((c) => c.name());
  cmd.configureOutput({
    outputError: (str) => process.stderr.write(`mcpd: ${usageClause(str)} ${see}\n`),
    // Only a command group run without its subcommand gets here (commander's help({ error: true })):
    // name the choices instead of printing the whole help.
    writeErr: () => process.stderr.write(`mcpd: ${path ? `${path}: ` : ""}give a command: ${visible.join(", ")} ${see}\n`),
  });
  for (const sub of cmd.commands) oneLineUsageErrors(sub);
}
