/**
 * The argv that runs this same mcpd again: the compiled binary alone, or bun plus the
 * entry script when running from source. Children spawned with it need no bun installed
 * when mcpd is compiled.
 */
export function selfCommand(): string[] {
  const compiled = Bun.main.startsWith("/$bunfs/") || Bun.main.startsWith("B:/~BUN/");
  return compiled ? [process.execPath] : [process.execPath, Bun.main];
}
