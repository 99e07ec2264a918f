import test from 'ava';
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../../src/store/database.js';
import { ROUTING_MIGRATIONS } from '../../src/store/routing-schema.js';
import { AccountStore } from '../../src/accounts/account-store.js';
import { ACCOUNT_CACHE_MS, StoredAccountDirectory } from '../../src/accounts/account-directory.js';
import { BindLockout } from '../../src/accounts/lockout.js';
import type { BindAttempt } from '../../src/accounts/types.js';
import { GatewayError } from '../../src/errors.js';

const DEFAULTS = { bindModes: ['transmitter', 'receiver', 'transceiver'] as const, maxBinds: 2, throughputMsgPerSec: 50, maxQueued: 1000 };

function setup(lockout = new BindLockout({ maxFailures: 3, windowMs: 60_000, lockMs: 300_000 })) {
  const db = openDatabase({ path: ':memory:', name: 'routing store', migrations: ROUTING_MIGRATIONS, masterKey: randomBytes(32) });
  const store = new AccountStore(db, { ...DEFAULTS, bindModes: [...DEFAULTS.bindModes] });
  const clock = { now: 0 };
  const directory = new StoredAccountDirectory(store, lockout, () => clock.now);
  /** Lets get()'s cache lapse, as ACCOUNT_CACHE_MS of real time would. */
  const later = () => (clock.now += ACCOUNT_CACHE_MS);
  return { db, store, directory, later };
}

const attempt = (overrides: Partial<BindAttempt> = {}): BindAttempt => ({
  systemId: 'acme',
  password: 'pw123',
  mode: 'transceiver',
  remoteAddress: '192.0.2.10',
  currentBinds: 0,
  now: 1_000,
  ...overrides,
});

test('right credentials bind and return the account', async (t) => {
  const { store, directory } = setup();
  await store.add('acme', 'pw123', { moPrefixes: ['99890'] });
  const decision = await directory.authorizeBind(attempt());
  t.true(decision.ok);
  if (!decision.ok) return;
  t.is(decision.account.systemId, 'acme');
  t.deepEqual(decision.account.moPrefixes, ['99890']);
  t.false('passwordHash' in decision.account);
});

test('an unknown system_id is BAD_SYSTEM_ID, a wrong password BAD_PASSWORD', async (t) => {
  const { store, directory } = setup();
  await store.add('acme', 'pw123');
  t.like(await directory.authorizeBind(attempt({ systemId: 'nobody' })), { ok: false, code: 'BAD_SYSTEM_ID' });
  t.like(await directory.authorizeBind(attempt({ password: 'pw124' })), { ok: false, code: 'BAD_PASSWORD' });
});

test('a disabled account is BIND_NOT_ALLOWED, and enabling it again lets it bind', async (t) => {
  const { store, directory } = setup();
  await store.add('acme', 'pw123');
  store.disable('acme');
  t.like(await directory.authorizeBind(attempt()), { ok: false, code: 'BIND_NOT_ALLOWED', reason: 'account disabled' });
  store.enable('acme');
  t.like(await directory.authorizeBind(attempt()), { ok: true });
});

test('a bind mode the account does not allow is BIND_NOT_ALLOWED', async (t) => {
  const { store, directory } = setup();
  await store.add('acme', 'pw123', { bindModes: ['transmitter', 'receiver'] });
  const refused = await directory.authorizeBind(attempt({ mode: 'transceiver' }));
  t.like(refused, { ok: false, code: 'BIND_NOT_ALLOWED' });
  t.regex(refused.ok ? '' : refused.reason, /bind mode transceiver not allowed/);
  t.like(await directory.authorizeBind(attempt({ mode: 'receiver' })), { ok: true });
});

test('the allow-list matches IPv4 and IPv6 addresses and blocks, and IPv4-mapped addresses', async (t) => {
  const { store, directory } = setup();
  await store.add('acme', 'pw123', { allowedSources: ['192.0.2.0/24', '198.51.100.7', '203.0.113.128/25', '2001:db8:1::/48', '2001:db9:8000::/33', '::1'] });
  const from = async (remoteAddress: string) => (await directory.authorizeBind(attempt({ remoteAddress }))).ok;
  t.true(await from('192.0.2.200'));
  t.true(await from('::ffff:192.0.2.5'));
  t.true(await from('198.51.100.7'));
  t.true(await from('2001:db8:1:ffff::9'));
  t.true(await from('::1'));
  t.true(await from('203.0.113.200'));
  t.true(await from('2001:db9:bfff::1'));
  t.false(await from('203.0.113.100'));
  t.false(await from('2001:db9:7fff::1'));
  t.false(await from('192.0.3.1'));
  t.false(await from('198.51.100.8'));
  t.false(await from('2001:db8:2::1'));
  t.false(await from('::2'));
  t.like(await directory.authorizeBind(attempt({ remoteAddress: '203.0.113.1' })), { ok: false, code: 'BIND_NOT_ALLOWED', reason: 'source address not in the account allow-list' });
});

test('an empty allow-list admits any address', async (t) => {
  const { store, directory } = setup();
  await store.add('acme', 'pw123');
  t.true((await directory.authorizeBind(attempt({ remoteAddress: '2001:db8::99' }))).ok);
  t.true((await directory.authorizeBind(attempt({ remoteAddress: '203.0.113.1' }))).ok);
});

test('an account holding maxBinds binds is BIND_NOT_ALLOWED', async (t) => {
  const { store, directory } = setup();
  await store.add('acme', 'pw123', { maxBinds: 2 });
  t.true((await directory.authorizeBind(attempt({ currentBinds: 1 }))).ok);
  t.like(await directory.authorizeBind(attempt({ currentBinds: 2 })), { ok: false, code: 'BIND_NOT_ALLOWED' });
});

test('checks run in order: credentials before disabled, disabled before mode, mode before source, source before bind limit', async (t) => {
  const { store, directory } = setup();
  await store.add('acme', 'pw123', { bindModes: ['receiver'], allowedSources: ['10.0.0.0/8'], maxBinds: 1 });
  store.disable('acme');
  const everythingWrong = attempt({ mode: 'transmitter', remoteAddress: '192.0.2.1', currentBinds: 1 });
  t.like(await directory.authorizeBind({ ...everythingWrong, password: 'nope' }), { code: 'BAD_PASSWORD' });
  t.like(await directory.authorizeBind(everythingWrong), { code: 'BIND_NOT_ALLOWED', reason: 'account disabled' });
  store.enable('acme');
  t.like(await directory.authorizeBind(everythingWrong), { code: 'BIND_NOT_ALLOWED', reason: 'bind mode transmitter not allowed for this account (allowed: receiver)' });
  const modeOk = { ...everythingWrong, mode: 'receiver' as const };
  t.like(await directory.authorizeBind(modeOk), { code: 'BIND_NOT_ALLOWED', reason: 'source address not in the account allow-list' });
  t.like(await directory.authorizeBind({ ...modeOk, remoteAddress: '10.1.2.3' }), { code: 'BIND_NOT_ALLOWED', reason: 'account already holds 1 of 1 binds' });
  t.like(await directory.authorizeBind({ ...modeOk, remoteAddress: '10.1.2.3', currentBinds: 0 }), { ok: true });
});

test('repeated bad credentials lock the address, even against the right password, until lockMs has passed', async (t) => {
  const { store, directory } = setup();
  await store.add('acme', 'pw123');
  t.like(await directory.authorizeBind(attempt({ password: 'x', now: 1_000 })), { code: 'BAD_PASSWORD' });
  t.like(await directory.authorizeBind(attempt({ systemId: 'ghost', now: 2_000 })), { code: 'BAD_SYSTEM_ID' });
  t.like(await directory.authorizeBind(attempt({ password: 'y', now: 3_000 })), { code: 'BAD_PASSWORD' });
  const locked = await directory.authorizeBind(attempt({ now: 4_000 }));
  t.like(locked, { ok: false, code: 'BIND_NOT_ALLOWED', reason: 'address locked out after repeated failed binds' });
  // Another address is not locked.
  t.true((await directory.authorizeBind(attempt({ remoteAddress: '192.0.2.11', now: 4_000 }))).ok);
  t.like(await directory.authorizeBind(attempt({ now: 302_999 })), { code: 'BIND_NOT_ALLOWED' });
  t.true((await directory.authorizeBind(attempt({ now: 303_000 }))).ok);
});

test('a successful bind clears the failures counted for its address', async (t) => {
  const { store, directory } = setup();
  await store.add('acme', 'pw123');
  await directory.authorizeBind(attempt({ password: 'x', now: 1 }));
  await directory.authorizeBind(attempt({ password: 'x', now: 2 }));
  t.true((await directory.authorizeBind(attempt({ now: 3 }))).ok);
  await directory.authorizeBind(attempt({ password: 'x', now: 4 }));
  await directory.authorizeBind(attempt({ password: 'x', now: 5 }));
  t.true((await directory.authorizeBind(attempt({ now: 6 }))).ok);
});

test('changes made through the store apply to the next bind, and to get() once its cache lapses', async (t) => {
  const { store, directory, later } = setup();
  await store.add('acme', 'pw123');
  t.is(directory.get('acme')?.maxBinds, 2);
  store.update('acme', { maxBinds: 5, allowedSources: ['2001:db8::/32'], dlrOverSmpp: false });
  t.is(directory.get('acme')?.maxBinds, 2, 'read less than ACCOUNT_CACHE_MS ago');
  later();
  t.is(directory.get('acme')?.maxBinds, 5);
  t.false(directory.get('acme')?.dlrOverSmpp);
  t.like(await directory.authorizeBind(attempt()), { code: 'BIND_NOT_ALLOWED' });
  t.true((await directory.authorizeBind(attempt({ remoteAddress: '2001:db8::5', currentBinds: 4 }))).ok);
  await store.setPassword('acme', 'newpw');
  t.like(await directory.authorizeBind(attempt({ remoteAddress: '2001:db8::5' })), { code: 'BAD_PASSWORD' });
  t.true((await directory.authorizeBind(attempt({ remoteAddress: '2001:db8::5', password: 'newpw' }))).ok);
  store.remove('acme');
  later();
  t.is(directory.get('acme'), undefined);
  t.like(await directory.authorizeBind(attempt({ remoteAddress: '2001:db8::5', password: 'newpw' })), { code: 'BAD_SYSTEM_ID' });
});

test('the store refuses bad values naming the field, and a duplicate system_id', async (t) => {
  const { store } = setup();
  const refused = async (run: () => unknown, pattern: RegExp) => {
    const err = await t.throwsAsync(async () => run(), { instanceOf: GatewayError });
    t.is(err.code, 'USAGE');
    t.regex(err.message, pattern);
  };
  await refused(() => store.add('a'.repeat(16), 'pw'), /SMPP 3\.4 limits system_id to 15 characters/);
  await refused(() => store.add('has space', 'pw'), /system_id: must be 1 to 15 printable ASCII characters without spaces/);
  await refused(() => store.add('acme', 'pw', { bindModes: [] }), /^bindModes:/);
  await refused(() => store.add('acme', 'pw', { allowedSources: ['10.0.0.0/33'] }), /^allowedSources: "10\.0\.0\.0\/33" has a prefix length outside 0\.\.32/);
  await refused(() => store.add('acme', 'pw', { allowedSources: ['10.0.0.1/8'] }), /use the network address/);
  await refused(() => store.add('acme', 'pw', { allowedSources: ['2001:db8::g'] }), /is not an IPv4 or IPv6 address/);
  await refused(() => store.add('acme', 'pw', { allowedSources: ['010.0.0.1'] }), /is not an IPv4 or IPv6 address/);
  await refused(() => store.add('acme', 'pw', { maxBinds: 0 }), /^maxBinds: must be a whole number ≥ 1, got 0/);
  await refused(() => store.add('acme', 'pw', { maxQueued: 1.5 }), /^maxQueued:/);
  await refused(() => store.add('acme', 'pw', { throughputMsgPerSec: 0 }), /^throughputMsgPerSec: must be a number > 0/);
  await refused(() => store.add('acme', 'pw', { moPrefixes: ['+99890'] }), /^moPrefixes: "\+99890" must be 1 to 15 digits/);
  t.deepEqual(store.list(), []);
  await store.add('acme', 'pw', { allowedSources: ['::ffff:10.0.0.0/104', 'fe80::1%eth0', '0.0.0.0/0'] });
  await refused(() => store.add('acme', 'other'), /an account with system_id "acme" already exists/);
  await refused(() => store.update('ghost', { maxBinds: 3 }), /no account with system_id "ghost"/);
  await refused(() => store.remove('ghost'), /no account with system_id "ghost"/);
});

test('update changes only the given fields', async (t) => {
  const { store } = setup();
  const added = await store.add('acme', 'pw', { moPrefixes: ['998'], maxQueued: 7 });
  const updated = store.update('acme', { maxBinds: 9, throughputMsgPerSec: undefined });
  t.deepEqual({ ...updated, updatedAt: 0 }, { ...added, maxBinds: 9, updatedAt: 0 });
});

test('an MO goes to the account with the longest prefix of its destination; a + is ignored', async (t) => {
  const { store } = setup();
  await store.add('agg', 'pw123', { moPrefixes: ['99871', '1234'] });
  await store.add('shop', 'pw123', { moPrefixes: ['9987120'] });
  await store.add('quiet', 'pw123');
  t.is(store.moOwner('998710000001'), 'agg');
  t.is(store.moOwner('998712000001'), 'shop');
  t.is(store.moOwner('+998712000001'), 'shop');
  t.is(store.moOwner('1234'), 'agg', 'a shortcode');
  t.is(store.moOwner('998930000001'), undefined);
  t.is(store.moOwner(''), undefined);
});

test('a prefix already owned by another account is refused at add and update, with the owner named', async (t) => {
  const { store } = setup();
  await store.add('agg', 'pw123', { moPrefixes: ['99871'] });
  await t.throwsAsync(store.add('shop', 'pw123', { moPrefixes: ['99871'] }), { instanceOf: GatewayError, message: /99871 already belongs to account "agg"/ });
  t.is(store.get('shop'), undefined, 'nothing was created');
  await store.add('shop', 'pw123', { moPrefixes: ['998712'] });
  t.throws(() => store.update('shop', { moPrefixes: ['99871'] }), { message: /already belongs to account "agg"/ });
  t.deepEqual(store.update('agg', { moPrefixes: ['99871', '99872'] }).moPrefixes, ['99871', '99872'], 'an account may keep its own prefixes');
});
