/**
 * API tokens on a real routing store, with the test's clock: what is kept (a hash, a sealed
 * TOTP secret), why a token is refused, expiry, revocation, and the admin's second factor.
 */
import test from 'ava';
import { TOTP } from 'otpauth';
import { ApiTokens } from '../../src/accounts/api-tokens.js';
import { GatewayError } from '../../src/errors.js';
import { openBooks } from '../helpers/number-books.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('api-tokens');

async function book(t: Parameters<typeof openBooks>[0]) {
  const { db, config, clock } = await openBooks(t, files, { pool: [] });
  const { KeyRing } = await import('../../src/keys/key-ring.js');
  const ring = KeyRing.load(config.keys, config.configDir);
  return { tokens: new ApiTokens(db, ring.keysFor('routing-bodies'), () => clock.now), db, clock };
}

test('a token is shown once and only the hash of its secret is kept', async (t) => {
  const { tokens, db } = await book(t);
  const made = tokens.create({ name: 'billing', role: 'operator' });
  t.regex(made.secret, /^mg_[a-z2-7]{16}_[A-Za-z0-9_-]{43}$/);
  t.true(made.secret.includes(made.token.id));
  const row = db.prepare('SELECT * FROM api_tokens').get() as Record<string, unknown>;
  const secretPart = made.secret.split('_').slice(2).join('_');
  t.false(JSON.stringify(row).includes(secretPart), 'the secret is not stored');
  t.false(Buffer.from(row.secret_hash as Buffer).includes(Buffer.from(secretPart)));
  t.like(tokens.authenticate(made.secret), { ok: true, token: { id: made.token.id, role: 'operator', account: null } });
});

test('refusals say why: malformed, unknown (a wrong secret too), revoked, expired', async (t) => {
  const { tokens, clock } = await book(t);
  const made = tokens.create({ name: 'short-lived', role: 'auditor', ttlMs: 60_000 });
  t.like(tokens.authenticate('hello'), { ok: false, reason: 'malformed' });
  t.like(tokens.authenticate(`mg_${'a'.repeat(16)}_${'b'.repeat(43)}`), { ok: false, reason: 'unknown' });
  const wrongSecret = `${made.secret.slice(0, -1)}${made.secret.endsWith('A') ? 'B' : 'A'}`;
  t.like(tokens.authenticate(wrongSecret), { ok: false, reason: 'unknown', tokenId: made.token.id });
  clock.now += 60_000;
  t.like(tokens.authenticate(made.secret), { ok: false, reason: 'expired' });
  const other = tokens.create({ name: 'other', role: 'operator' });
  tokens.revoke(other.token.id);
  t.like(tokens.authenticate(other.secret), { ok: false, reason: 'revoked' });
});

test('a client token is bound to an existing account; other roles to none', async (t) => {
  const { tokens } = await book(t);
  t.like(tokens.create({ name: 'app', role: 'client', account: 'acme' }).token, { role: 'client', account: 'acme' });
  const noAccount = t.throws(() => tokens.create({ name: 'app', role: 'client' }), { instanceOf: GatewayError });
  t.regex(noAccount.message, /--account/);
  t.throws(() => tokens.create({ name: 'app', role: 'client', account: 'nobody' }), { message: /no account "nobody"/ });
  t.throws(() => tokens.create({ name: 'ops', role: 'operator', account: 'acme' }), { message: /client tokens only/ });
  t.throws(() => tokens.create({ name: ' ', role: 'operator' }), { message: /name/ });
});

test('an admin token needs a TOTP code; a code older than the newest used is refused', async (t) => {
  const { tokens, clock, db } = await book(t);
  const made = tokens.create({ name: 'root', role: 'admin' });
  t.truthy(made.totp);
  t.regex(made.totp!.uri, /^otpauth:\/\/totp\/maskgate:root\?/);
  const sealed = (db.prepare('SELECT totp_secret FROM api_tokens').get() as { totp_secret: Buffer }).totp_secret;
  t.false(sealed.includes(Buffer.from(made.totp!.secret)), 'the TOTP secret is sealed');
  const totp = new TOTP({ secret: made.totp!.secret });
  const code = (at: number) => totp.generate({ timestamp: at });
  t.like(tokens.authenticate(made.secret), { ok: false, reason: 'totp-required' });
  t.like(tokens.authenticate(made.secret, 'abc'), { ok: false, reason: 'totp-invalid' });
  t.like(tokens.authenticate(made.secret, code(clock.now - 5 * 60_000)), { ok: false, reason: 'totp-invalid' });
  t.like(tokens.authenticate(made.secret, code(clock.now)), { ok: true });
  t.like(tokens.authenticate(made.secret, code(clock.now)), { ok: true }, 'the same code serves several requests within its step');
  clock.now += 30_000;
  t.like(tokens.authenticate(made.secret, code(clock.now)), { ok: true });
  t.like(tokens.authenticate(made.secret, code(clock.now - 30_000)), { ok: false, reason: 'totp-invalid' }, 'the older code, though within the skew window, is refused now');
});
