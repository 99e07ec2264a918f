/**
 * What a message's sealed content becomes once it is purged (retention, `maskgate forget`):
 * the row stays as an operational record (state, attempts, times answer query_sm and
 * `messages show`) while the addresses and body are gone. The column is NOT NULL, so the
 * content is replaced by this marker rather than by NULL, and readers ask `isPurged` before
 * opening it: a receipt still owed goes out without addresses, a message purged before it was
 * sent is ended instead of sent (message-store.ts).
 *
 * The bytes are chosen to be no envelope (keys/envelope.ts starts with format byte 0x01) and
 * to carry the highest key version (0xFFFFFFFF in bytes 2–5), so `keys rotate` never tries to
 * open it (store/resealer.ts selects values under a version below its target) and its key
 * floor triggers, which refuse values under an old version, let the purge write it.
 */
const MARKER = Buffer.concat([Buffer.from([0x00, 0xff, 0xff, 0xff, 0xff]), Buffer.from('purged', 'ascii')]);

/** The content of a purged message (a copy: callers may hand it to SQLite). */
export function purgedContent(): Buffer {
  return Buffer.from(MARKER);
}

export function isPurged(content: Buffer): boolean {
  return content.equals(MARKER);
}

/** The marker as an SQL blob literal, for statements that purge many rows at once. */
export const PURGED_SQL = `X'${MARKER.toString('hex')}'`;
