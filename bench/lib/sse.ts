/**
 * Reads an SSE response as it arrives and stamps each JSON-RPC message with the moment
 * its event was complete (performance.now()), so a buffering proxy shows up as bunched
 * arrival times rather than being hidden by a whole-body read.
 */
export async function stampEvents(res: Response): Promise<Array<{ at: number; msg: any }>> {
  const out: Array<{ at: number; msg: any }> = [];
  if (!res.body) return out;
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const at = performance.now();
    buf += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buf.search(/\r?\n\r?\n/)) >= 0) {
      const event = buf.slice(0, end);
      buf = buf.slice(end).replace(/^\r?\n\r?\n/, "");
      const data = event
        .split(/\r?\n/)
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trimStart())
        .join("\n");
      if (data) out.push({ at, msg: JSON.parse(data) });
    }
  }
  return out;
}
