/**
 * Newline-delimited framing for a stdio MCP child: bytes arrive in arbitrary chunks
 * (a message may be split across reads, several may share one), and each complete
 * line is handed on once. Multi-byte characters split across chunks survive because
 * decoding is streaming.
 */
export function createLineFramer(onLine: (line: string) => void): { push(chunk: Uint8Array | string): void; end(): void } {
  const decoder = new TextDecoder();
  let pending = "";
  // Where the search for the next newline resumes: a large message arriving in many
  // chunks is scanned once, not once per chunk.
  let scanFrom = 0;
  const emit = (line: string) => {
    // Windows-built servers end lines with \r\n; blank lines carry nothing.
    const trimmed = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (/\S/.test(trimmed)) onLine(trimmed);
  };
  return {
    push(chunk) {
      pending += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
      let start = 0;
      let nl = pending.indexOf("\n", scanFrom);
      while (nl !== -1) {
        emit(pending.slice(start, nl));
        start = nl + 1;
        nl = pending.indexOf("\n", start);
      }
      if (start > 0) pending = pending.slice(start);
      scanFrom = pending.length;
    },
    end() {
      pending += decoder.decode();
      if (pending !== "") emit(pending);
      pending = "";
      scanFrom = 0;
    },
  };
}
