import test from 'ava';
import { GatewayError } from '../../src/errors.js';
import { hashPassword, verifyPassword } from '../../src/accounts/password.js';

test('a hash is self-describing scrypt with N=2^14, r=8, p=1, a 16-byte salt and a 32-byte key', async (t) => {
  const stored = await hashPassword('s3cret!');
  const [scheme, n, r, p, salt, key, ...rest] = stored.split('$');
  t.is(scheme, 'scrypt');
  t.deepEqual([n, r, p], ['16384', '8', '1']);
  t.is(Buffer.from(salt ?? '', 'base64').length, 16);
  t.is(Buffer.from(key ?? '', 'base64').length, 32);
  t.deepEqual(rest, []);
  t.false(stored.includes('s3cret!'));
});

test('the right password verifies, a wrong one does not', async (t) => {
  const stored = await hashPassword('pw12');
  t.true(await verifyPassword('pw12', stored));
  t.false(await verifyPassword('pw13', stored));
  t.false(await verifyPassword('', stored));
});

test('the same password hashes differently each time (random salt)', async (t) => {
  const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);
  t.not(a, b);
  t.true(await verifyPassword('same', a));
  t.true(await verifyPassword('same', b));
});

test('a malformed or unknown stored hash never verifies', async (t) => {
  const good = await hashPassword('pw');
  const parts = good.split('$');
  t.false(await verifyPassword('pw', 'plaintext'));
  t.false(await verifyPassword('pw', ['bcrypt', ...parts.slice(1)].join('$')));
  t.false(await verifyPassword('pw', [...parts.slice(0, 1), '1000', ...parts.slice(2)].join('$'))); // N not a power of two
  t.false(await verifyPassword('pw', [...parts.slice(0, 1), String(1 << 24), ...parts.slice(2)].join('$'))); // cost too high
  t.false(await verifyPassword('pw', parts.slice(0, 5).join('$')));
});

test('a password longer than 8 characters is refused with the SMPP 3.4 limit', async (t) => {
  const err = await t.throwsAsync(hashPassword('123456789'), { instanceOf: GatewayError });
  t.is(err.code, 'USAGE');
  t.regex(err.message, /SMPP 3\.4 limits the password to 8 characters/);
  t.true((await hashPassword('12345678')).startsWith('scrypt$'));
});

test('an empty or non-ASCII password is refused', async (t) => {
  t.is((await t.throwsAsync(hashPassword(''), { instanceOf: GatewayError })).code, 'USAGE');
  t.is((await t.throwsAsync(hashPassword('pässwd'), { instanceOf: GatewayError })).code, 'USAGE');
});
