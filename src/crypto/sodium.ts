import sodium from "libsodium-wrappers";

let readyPromise: Promise<typeof sodium> | undefined;

/** libsodium's WebAssembly must finish loading before any call; this waits once. */
export function ready(): Promise<typeof sodium> {
  readyPromise ??= sodium.ready.then(() => sodium);
  return readyPromise;
}

export { sodium };
