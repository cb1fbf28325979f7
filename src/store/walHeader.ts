/** The first of the two copies of the WAL-index header at the start of the `-shm` file (sqlite.org/walformat.html). */
export const WAL_HEADER_WORDS = 12;
const WAL_INDEX_VERSION = 3007000;
/** isInit: the header has been written by a connection that read the WAL */
const IS_INIT_BYTE = 12;

/**
 * A live view of the database's WAL-index header, which SQLite maps into every connection
 * and rewrites (its change counter at least) on every commit from any connection. Reading
 * it is a memory load, where asking SQLite whether anything changed takes a read
 * transaction: two fcntl locks and a trip through the native module.
 *
 * Null when there is no such header to read (not WAL mode, an in-memory database, a
 * layout this code does not know): the caller then asks SQLite every time. The view is
 * safe while this process keeps a connection to the database open: SQLite truncates the
 * file only when a connection opens as the only one.
 */
export function mapWalHeader(dbFile: string): Int32Array | null {
  let bytes: Uint8Array;
  try {
    bytes = Bun.mmap(`${dbFile}-shm`, { shared: true, size: WAL_HEADER_WORDS * 4 });
  } catch {
    return null;
  }
  if (bytes.byteLength < WAL_HEADER_WORDS * 4 || bytes[IS_INIT_BYTE] !== 1) return null;
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, WAL_HEADER_WORDS);
  return words[0] === WAL_INDEX_VERSION ? words : null;
}
