import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";

/** Past this size the log is rotated: a chatty service must not fill the disk. */
export const LOG_MAX_BYTES = 5 * 1024 * 1024;
/** Rotated files kept beside the live one (<service>.log.1 … .N). */
export const LOG_KEEP_FILES = 2;

export const logFileOf = (logsDir: string, service: string) => join(logsDir, `${service}.log`);

/** Appends to one service's log, rotating it when it passes `maxBytes`. Never throws: a full disk must not take the service down. */
export class RotatingLog {
  private fd: number | null = null;
  private size = 0;

  constructor(
    readonly file: string,
    private readonly maxBytes = LOG_MAX_BYTES,
    private readonly keep = LOG_KEEP_FILES,
  ) {}

  write(chunk: Uint8Array | string): void {
    try {
      const fd = this.open();
      if (this.size > 0 && this.size + chunk.length > this.maxBytes) {
        this.rotate();
        return this.write(chunk);
      }
      this.size += typeof chunk === "string" ? writeSync(fd, chunk) : writeSync(fd, chunk);
    } catch {
      // Logging is best effort.
    }
  }

  /** A line from mcpd itself, marked so it stands out among the child's output. */
  note(text: string): void {
    this.write(`${new Date().toISOString()} [mcpd] ${text}\n`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private open(): number {
    if (this.fd === null) {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      this.fd = openSync(this.file, "a", 0o600);
      this.size = fstatSync(this.fd).size;
    }
    return this.fd;
  }

  private rotate(): void {
    this.close();
    rmSync(`${this.file}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    }
    if (this.keep > 0) renameSync(this.file, `${this.file}.1`);
    else rmSync(this.file, { force: true });
    this.open();
  }
}

/** The last `lines` lines of a service log, reaching into the rotated file when the live one is short. */
export function tailLog(file: string, lines: number): string[] {
  const read = (f: string) => (existsSync(f) ? readFileSync(f, "utf8") : "");
  let text = read(file);
  const count = (t: string) => t.split("\n").length - (t.endsWith("\n") ? 1 : 0);
  if (count(text) < lines) text = read(`${file}.1`) + text;
  const all = text.split("\n");
  if (all[all.length - 1] === "") all.pop();
  return lines <= 0 ? [] : all.slice(-lines);
}
