/**
 * Authenticated encryption of small records (message bodies, contact numbers) with
 * AES-256-GCM. A sealed record is self-describing:
 *
 *   [1 byte format = 1][4 bytes key version, big-endian][12 bytes IV][16 bytes GCM tag][ciphertext]
 *
 * The key version lets records sealed under an old key stay readable while `keys rotate`
 * re-encrypts them. Callers pass the record's identity (the message id, the contact id) as
 * AAD: it is authenticated but not stored, so a sealed value copied onto another row fails to
 * open instead of showing one party's data under another's id.
 *
 * This runs per message at 10,000 msg/s, so callers derive their keys once and hand them in;
 * only the cipher object is made per record. The IV is random: NIST SP 800-38D §8.3 allows
 * 2^32 random-IV seals per key (about five days of a sustained 10,000 msg/s), which is why
 * keys carry a version and rotate.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { randomPiece } from './random-pool.js';
import { GatewayError } from '../errors.js';

const FORMAT_VERSION = 1;
const VERSION_BYTES = 1;
const KEY_VERSION_BYTES = 4;
const IV_BYTES = 12; // the GCM standard nonce size: no extra GHASH pass
const TAG_BYTES = 16; // the full tag: shorter tags weaken forgery resistance
const IV_AT = VERSION_BYTES + KEY_VERSION_BYTES;
const TAG_AT = IV_AT + IV_BYTES;
const HEADER_BYTES = TAG_AT + TAG_BYTES;

const CIPHER = 'aes-256-gcm';

// IVs come from the pooled CSPRNG output (random-pool.ts): a randomBytes(12) per seal cost as
// much as the encryption. seal() copies the IV into the record before anything else draws.
function nextIv(): Buffer {
  return randomPiece(IV_BYTES);
}

export function seal(key: Buffer, keyVersion: number, plaintext: Buffer, aad?: Buffer): Buffer {
  const iv = nextIv();
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  if (aad !== undefined) cipher.setAAD(aad);
  const body = cipher.update(plaintext);
  // GCM is a stream mode: final() emits no bytes, it computes the tag.
  cipher.final();
  const sealed = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  sealed.writeUInt8(FORMAT_VERSION, 0);
  sealed.writeUInt32BE(keyVersion, VERSION_BYTES);
  iv.copy(sealed, IV_AT);
  cipher.getAuthTag().copy(sealed, TAG_AT);
  body.copy(sealed, HEADER_BYTES);
  return sealed;
}

/** The version of the key a record was sealed under, e.g. to find records left to rotate. */
export function envelopeKeyVersion(sealed: Buffer): number {
  checkFormat(sealed);
  return sealed.readUInt32BE(VERSION_BYTES);
}

/**
 * The plaintext of a sealed record. `keyFor` returns the key of a version, or undefined when
 * this process has none. Throws KEY_MISSING for an unknown version, KEY_MISMATCH when the
 * record does not authenticate (another key, or altered bytes, or a different AAD).
 */
export function open(keyFor: (version: number) => Buffer | undefined, sealed: Buffer, aad?: Buffer): Buffer {
  const keyVersion = envelopeKeyVersion(sealed);
  const key = keyFor(keyVersion);
  if (key === undefined) {
    throw new GatewayError('KEY_MISSING', `a record is sealed under key version ${keyVersion}, and no key of that version is loaded: the store was written by a key rotation this maskgate does not know`);
  }
  const decipher = createDecipheriv(CIPHER, key, sealed.subarray(IV_AT, TAG_AT), { authTagLength: TAG_BYTES });
  decipher.setAuthTag(sealed.subarray(TAG_AT, HEADER_BYTES));
  if (aad !== undefined) decipher.setAAD(aad);
  const body = decipher.update(sealed.subarray(HEADER_BYTES));
  try {
    // final() checks the tag and emits no bytes; the plaintext is returned only if it passes.
    decipher.final();
    return body;
  } catch (err) {
    throw new GatewayError('KEY_MISMATCH', `a record sealed under key version ${keyVersion} failed authentication: it was sealed under a different key, or altered, or belongs to another row`, { cause: err });
  }
}

function checkFormat(sealed: Buffer): void {
  if (sealed.length < HEADER_BYTES || sealed[0] !== FORMAT_VERSION) {
    throw new GatewayError('KEY_MISMATCH', `a record is not a sealed maskgate record (format ${sealed[0] ?? 'none'}, ${sealed.length} bytes): it was altered or truncated`);
  }
}
