/**
 * Account passwords at rest: scrypt (RFC 7914) with a random salt, stored in one
 * self-describing string `scrypt$N$r$p$salt_b64$hash_b64`, so the cost can be raised later
 * and old hashes still verify with the parameters they were made with.
 *
 * SMPP 3.4 §5.2.2 gives password 9 octets including the NUL: 8 characters at most, so a
 * longer one could never be sent by a client and is refused when it is set.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { GatewayError } from '../errors.js';

export const MAX_PASSWORD_LENGTH = 8;

// N = 2^14, r = 8, p = 1: the interactive-login cost the scrypt paper recommends (~16 MB, tens of ms).
const N = 16_384;
const R = 8;
const P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
// The largest cost we accept from a stored hash: a tampered row must not make a bind eat memory.
const MAX_N = 1 << 20;

function derive(plain: string, salt: Buffer, keyBytes: number, options: ScryptOptions): Promise<Buffer> {
  // 128·N·r bytes are needed; Node's default maxmem (32 MB) is too small for N above 2^14.
  const maxmem = 256 * (options.N ?? N) * (options.r ?? R);
  return new Promise((resolve, reject) => {
    scrypt(plain, salt, keyBytes, { ...options, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Refuses a password no SMPP 3.4 client could send, or an empty one. */
export function checkPassword(plain: string): void {
  if (plain.length === 0) throw new GatewayError('USAGE', 'password: must not be empty');
  if (plain.length > MAX_PASSWORD_LENGTH || /[^\x20-\x7e]/.test(plain)) {
    throw new GatewayError(
      'USAGE',
      `password: must be 1 to ${MAX_PASSWORD_LENGTH} printable ASCII characters, got ${plain.length} characters; SMPP 3.4 limits the password to ${MAX_PASSWORD_LENGTH} characters (§5.2.2), so a client could never send a longer one`,
    );
  }
}

export async function hashPassword(plain: string): Promise<string> {
  checkPassword(plain);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(plain, salt, KEY_BYTES, { N, r: R, p: P });
  return ['scrypt', N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const key = Buffer.from(parts[5] ?? '', 'base64');
  const whole = (v: number | undefined): v is number => v !== undefined && Number.isInteger(v) && v >= 1;
  if (!whole(n) || !whole(r) || !whole(p) || n > MAX_N || (n & (n - 1)) !== 0 || r > 32 || p > 16) return undefined;
  if (salt.length === 0 || key.length === 0) return undefined;
  return { N: n, r, p, salt, key };
}

/** True when `plain` matches; false for a wrong password or a hash this code cannot read. */
export async function verifyPassword(plain: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (parsed === undefined) return false;
  const key = await derive(plain, parsed.salt, parsed.key.length, { N: parsed.N, r: parsed.r, p: parsed.p });
  return timingSafeEqual(key, parsed.key);
}
