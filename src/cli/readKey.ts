import { Secret } from "../crypto/secret.ts";
import { McpdError } from "../util/errors.ts";

/** Far above any API key; a larger input is a file piped by mistake. */
const MAX_KEY_BYTES = 64 * 1024;

/**
 * The key to onboard: typed with echo off on a terminal, or read whole from stdin
 * (`--key-stdin`, or whenever stdin is not a terminal). Surrounding whitespace and the
 * trailing newline of `echo key |` are dropped.
 */
export async function readKey(prompt: string, opts: { fromStdin: boolean }): Promise<Secret> {
  const tty = process.stdin.isTTY === true && !opts.fromStdin;
  const text = tty ? await readHidden(prompt) : await readAllStdin();
  const key = text.trim();
  if (!key) throw new McpdError("usage", tty ? "no key was typed" : "no key on stdin (pipe it in: printf %s \"$KEY\" | mcpd user add ... --key-stdin)");
  return new Secret(key);
}

async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_KEY_BYTES) throw new McpdError("usage", `stdin holds more than ${MAX_KEY_BYTES} bytes, which is not a key`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Raw mode with no echo: the key never appears on screen or in the terminal's scrollback. */
function readHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = "";
    const finish = (err?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (data: string) => {
      for (const ch of data) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return finish();
        if (ch === "\u0003") return finish(Object.assign(new McpdError("cancelled", "cancelled; nothing was stored"), { exitCode: 130 }));
        if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else if (ch >= " ") typed += ch;
      }
    };
    stdin.on("data", onData);
  });
}
