/**
 * An error a person can act on: `code` is stable for scripts and tests, `message`
 * names the thing that is wrong. The CLI prints only the message (stack with --debug).
 */
export class McpdError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "McpdError";
  }
}

export const isMcpdError = (e: unknown): e is McpdError => e instanceof McpdError;
