/**
 * Reads a request body up to the service's `maxBodyBytes`. A declared Content-Length
 * over the limit is refused before reading a byte; a chunked or lying body is counted as
 * it streams and refused the moment it passes the limit, so a client can't make the
 * proxy hold more than the limit.
 */
export type BodyResult = { ok: true; bytes: Uint8Array } | { ok: false; code: "body-too-large"; message: string };

const EMPTY = new Uint8Array(0);

export async function readBody(req: Request, maxBytes: number, service: string): Promise<BodyResult> {
  const tooLarge = (): BodyResult => ({
    ok: false,
    code: "body-too-large",
    message: `request body is over the ${maxBytes}-byte limit of service ${service} (limits.maxBodyBytes)`,
  });
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) return tooLarge();
  if (!req.body) return { ok: true, bytes: EMPTY };
  // A declared length within the limit: Bun reads exactly that many bytes natively.
  if (declared !== null) return { ok: true, bytes: await req.bytes() };
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      void reader.cancel().catch(() => {});
      return tooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return { ok: true, bytes: chunks[0]! };
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) (bytes.set(c, at), (at += c.byteLength));
  return { ok: true, bytes };
}
