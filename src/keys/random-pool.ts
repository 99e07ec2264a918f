/**
 * CSPRNG output in small pieces, cheaply. A randomBytes(n) call for a few bytes costs about
 * as much as encrypting a whole message, nearly all of it per-call overhead, so the hot path
 * (an IV and an id per message) cuts its pieces from a buffer refilled in bulk. Every byte is
 * handed out once; callers that keep a piece beyond the next draw must copy it.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 16 * 1024;
const pool = Buffer.alloc(POOL_BYTES);
let at = POOL_BYTES;

/** `n` fresh random bytes (n ≤ 1024), valid until the next call: copy them to keep them. */
export function randomPiece(n: number): Buffer {
  if (n > 1024) throw new RangeError('randomPiece serves at most 1024 bytes; use randomBytes');
  if (at + n > POOL_BYTES) {
    randomFillSync(pool);
    at = 0;
  }
  const piece = pool.subarray(at, at + n);
  at += n;
  return piece;
}
