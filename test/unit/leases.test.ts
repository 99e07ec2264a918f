/**
 * Leases (temporary numbers) on a real routing store, with the test's clock: lifecycle (TTL,
 * release, cap), cooldown, retirement, selection, refusals, and the state numbers show.
 */
import test from 'ava';
import { GatewayError } from '../../src/errors.js';
import { NoNumberAvailable } from '../../src/numbers/leases.js';
import { HOUR, MINUTE, openBooks, poolNumber } from '../helpers/number-books.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('leases');
const KZ = (n: number) => `+7701000${String(n).padStart(4, '0')}`;

test('a request leases a number for its TTL; activeOn ends with the TTL even before the sweep', async (t) => {
  const { leases, clock } = await openBooks(t, files, { pool: [poolNumber(1)] });
  const lease = leases.request({ account: 'acme', ttlMs: 30 * MINUTE, reference: 'order-7' });
  t.like(lease, { number: poolNumber(1), account: 'acme', reference: 'order-7', createdAt: clock.now, expiresAt: clock.now + 30 * MINUTE, messages: 0, messageCap: null, endedAt: null, endReason: null });
  t.regex(lease.id, /^lease-[0-9a-f]{16}$/);
  t.deepEqual(leases.activeOn(poolNumber(1)), lease);
  t.deepEqual(leases.get(lease.id), lease);

  clock.now += 30 * MINUTE - 1;
  t.truthy(leases.activeOn(poolNumber(1)), 'in force until its last millisecond');
  t.deepEqual(leases.endExpired(), [], 'nothing due yet');
  clock.now += 1;
  t.is(leases.activeOn(poolNumber(1)), undefined, 'past its TTL it is not in force, swept or not');
  t.is(leases.get(lease.id)!.endedAt, null, 'not ended until the sweep');

  clock.now += 4_000;
  const [ended, ...more] = leases.endExpired();
  t.deepEqual(more, []);
  t.like(ended, { lease: { id: lease.id, endedAt: clock.now, endReason: 'ttl' }, lateMs: 4_000 });
  t.deepEqual(leases.endExpired(), [], 'a lease ends once');
});

test("endExpired's callback runs inside the transaction that ends the leases: if it throws, none ended", async (t) => {
  const { leases, clock } = await openBooks(t, files, { pool: [poolNumber(1)] });
  const lease = leases.request({ account: 'acme', ttlMs: MINUTE });
  clock.now += MINUTE;
  t.throws(() => leases.endExpired(500, () => { throw new Error('the outbox insert failed'); }), { message: 'the outbox insert failed' });
  t.is(leases.get(lease.id)!.endedAt, null, 'rolled back with the callback');
  const told: string[] = [];
  t.is(leases.endExpired(500, (ended) => told.push(...ended.map((l) => l.id))).length, 1);
  t.deepEqual(told, [lease.id]);
});

test('release ends a lease early, once; the number then cools down', async (t) => {
  const { leases, pool, clock } = await openBooks(t, files, { pool: [poolNumber(1)], leases: { cooldownMs: HOUR } });
  const lease = leases.request({ account: 'acme', ttlMs: HOUR });
  clock.now += MINUTE;
  t.like(leases.release(lease.id), { endedAt: clock.now, endReason: 'release' });
  t.is(leases.activeOn(poolNumber(1)), undefined);
  t.like(pool.get(poolNumber(1)), { state: 'cooling', coolingUntil: clock.now + HOUR, lease: null, lastUsedAt: clock.now, leaseCount: 1 });
  const again = t.throws(() => leases.release(lease.id), { instanceOf: GatewayError });
  t.is(again!.code, 'USAGE');
  t.regex(again!.message, /already ended \(release\)/);
  t.throws(() => leases.release('lease-0000000000000000'), { instanceOf: GatewayError, message: /no lease "lease-0000000000000000"; `maskgate leases list`/ });
});

test('a message cap ends the lease with the message that reaches it', async (t) => {
  const { leases } = await openBooks(t, files, { pool: [poolNumber(1)] });
  const lease = leases.request({ account: 'acme', ttlMs: HOUR, messageCap: 3 });
  t.false(leases.countMessage(lease));
  t.false(leases.countMessage(lease));
  t.true(leases.countMessage(lease), 'the third message is the last delivered');
  t.like(leases.get(lease.id), { messages: 3, endReason: 'cap' });
  t.is(leases.activeOn(poolNumber(1)), undefined);
  t.false(leases.countMessage(lease), 'an ended lease counts nothing more');
  t.is(leases.get(lease.id)!.messages, 3);
});

test('a cooling number is not leased again until its cooldown passed; the refusal says all-cooling', async (t) => {
  const { leases, pool, clock } = await openBooks(t, files, { pool: [poolNumber(1)], leases: { cooldownMs: 10 * MINUTE } });
  leases.release(leases.request({ account: 'acme', ttlMs: HOUR }).id);
  const refused = t.throws(() => leases.request({ account: 'acme', ttlMs: HOUR }), { instanceOf: NoNumberAvailable }) as NoNumberAvailable;
  t.is(refused.reason, 'all-cooling');
  t.is(refused.code, 'NO_NUMBER_AVAILABLE');
  t.is(refused.message, 'no number available in the whole pool: the 1 numbers not in use are cooling down after their last lease (numbers.leases.cooldownMs); try again later');

  clock.now += 10 * MINUTE - 1;
  t.throws(() => leases.request({ account: 'acme', ttlMs: HOUR }), { instanceOf: NoNumberAvailable });
  t.is(pool.get(poolNumber(1))!.state, 'cooling');
  clock.now += 1;
  t.is(pool.get(poolNumber(1))!.state, 'available');
  t.is(leases.request({ account: 'acme', ttlMs: HOUR }).number, poolNumber(1), 'handed out again once cool');
});

test('a number retires after retireAfterLeases leases, and is never leased again', async (t) => {
  const { leases, pool } = await openBooks(t, files, { pool: [poolNumber(1)], leases: { cooldownMs: 0, retireAfterLeases: 2 } });
  leases.release(leases.request({ account: 'acme', ttlMs: HOUR }).id);
  t.is(pool.get(poolNumber(1))!.state, 'available', 'one lease: still in rotation');
  const second = leases.request({ account: 'acme', ttlMs: HOUR });
  t.is(pool.get(poolNumber(1))!.state, 'leased');
  leases.release(second.id);
  t.like(pool.get(poolNumber(1)), { state: 'retired', leaseCount: 2 });
  const refused = t.throws(() => leases.request({ account: 'acme', ttlMs: HOUR }), { instanceOf: NoNumberAvailable }) as NoNumberAvailable;
  t.is(refused.reason, 'all-unavailable');
  t.regex(refused.message, /^no number available in the whole pool: all 1 numbers are quarantined, retired, reserved or cannot receive SMS$/);
});

test('selection takes the least recently used number; never-used ones first, ties to the lowest number', async (t) => {
  const { leases, clock } = await openBooks(t, files, { pool: [poolNumber(3), poolNumber(1), poolNumber(2)], leases: { cooldownMs: 0 } });
  const first = leases.request({ account: 'acme', ttlMs: HOUR });
  t.is(first.number, poolNumber(1), 'never used: the lowest number');
  clock.now += MINUTE;
  leases.release(first.id);
  const second = leases.request({ account: 'acme', ttlMs: HOUR });
  t.is(second.number, poolNumber(2), 'a never-used number before a used one');
  const third = leases.request({ account: 'acme', ttlMs: HOUR });
  t.is(third.number, poolNumber(3));
  clock.now += MINUTE;
  leases.release(third.id); // 3 now used after 1
  clock.now += MINUTE;
  t.is(leases.request({ account: 'acme', ttlMs: HOUR }).number, poolNumber(1), 'the one used longest ago');
  t.is(leases.request({ account: 'acme', ttlMs: HOUR }).number, poolNumber(3));
  const none = t.throws(() => leases.request({ account: 'acme', ttlMs: HOUR }), { instanceOf: NoNumberAvailable }) as NoNumberAvailable;
  t.is(none.reason, 'all-leased');
  t.is(none.message, 'no number available in the whole pool: all 3 usable numbers are leased or serve masks and sessions; try again later or add numbers');
});

test('reserved, quarantined, retired and send-only numbers are never chosen', async (t) => {
  const { leases, pool } = await openBooks(t, files, {
    pool: [{ e164: poolNumber(1), reserved: true }, poolNumber(2), poolNumber(3), { e164: poolNumber(4), capabilities: 'sms-mt' }, poolNumber(5)],
  });
  pool.change(poolNumber(2), 'quarantine');
  pool.change(poolNumber(3), 'retire');
  t.is(leases.request({ account: 'acme', ttlMs: HOUR }).number, poolNumber(5), 'the only eligible number, though the last');
  const none = t.throws(() => leases.request({ account: 'acme', ttlMs: HOUR }), { instanceOf: NoNumberAvailable }) as NoNumberAvailable;
  t.is(none.reason, 'all-leased');
  t.regex(none.message, /all 1 usable numbers are leased/);
  t.deepEqual(
    pool.list().map((n) => [n.e164, n.state]),
    [
      [poolNumber(1), 'available'],
      [poolNumber(2), 'quarantined'],
      [poolNumber(3), 'retired'],
      [poolNumber(4), 'available'],
      [poolNumber(5), 'leased'],
    ],
  );
});

test('preferences choose within country, region and carrier; a refusal names that pool and why', async (t) => {
  const { leases } = await openBooks(t, files, {
    pool: [
      { e164: poolNumber(1), region: 'Tashkent', carrier: 'uz-alpha' },
      { e164: poolNumber(2), region: 'Samarkand', carrier: 'uz-beta' },
      { e164: KZ(1), country: 'KZ', region: 'Almaty', carrier: 'kz-one' },
    ],
  });
  t.is(leases.request({ account: 'acme', ttlMs: HOUR, country: 'kz' }).number, KZ(1), 'country, in any case');
  t.is(leases.request({ account: 'acme', ttlMs: HOUR, region: 'samarkand' }).number, poolNumber(2), 'region, in any case');
  t.is(leases.request({ account: 'acme', ttlMs: HOUR, carrier: 'uz-alpha', country: 'UZ' }).number, poolNumber(1), 'carrier and country together');

  const leased = t.throws(() => leases.request({ account: 'acme', ttlMs: HOUR, country: 'UZ', region: 'Tashkent' }), { instanceOf: NoNumberAvailable }) as NoNumberAvailable;
  t.is(leased.pool, 'the pool of country UZ, region Tashkent');
  t.is(leased.reason, 'all-leased');
  t.regex(leased.message, /^no number available in the pool of country UZ, region Tashkent: all 1 usable numbers are leased/);

  const none = t.throws(() => leases.request({ account: 'acme', ttlMs: HOUR, country: 'DE' }), { instanceOf: NoNumberAvailable }) as NoNumberAvailable;
  t.is(none.reason, 'no-match');
  t.is(none.message, 'no number available in the pool of country DE: no number matches; `maskgate numbers list` shows the pool');
  t.regex(t.throws(() => leases.request({ account: 'acme', ttlMs: HOUR, carrier: 'nobody' }))!.message, /in the pool of carrier nobody: no number matches/);
});

test('bad requests are usage errors that say what to give', async (t) => {
  const { leases } = await openBooks(t, files, { pool: [poolNumber(1)], leases: { maxTtlMs: 2 * HOUR } });
  const usage = (req: Parameters<typeof leases.request>[0], message: RegExp) => {
    const err = t.throws(() => leases.request(req), { instanceOf: GatewayError, message });
    t.is(err!.code, 'USAGE');
  };
  usage({ account: 'acme', ttlMs: 999 }, /ttl: give at least one second/);
  usage({ account: 'acme', ttlMs: 2 * HOUR + 1 }, /ttl: at most 7200000 ms \(numbers.leases.maxTtlMs\)/);
  usage({ account: 'acme', ttlMs: HOUR, messageCap: 0 }, /message cap: give a whole number/);
  usage({ account: 'acme', ttlMs: HOUR, country: 'Uzbekistan' }, /country: give an ISO 3166-1 alpha-2 code/);
  usage({ account: 'acme', ttlMs: HOUR, reference: 'x'.repeat(65) }, /reference: at most 64 characters/);
  usage({ account: 'nobody', ttlMs: HOUR }, /account "nobody" does not exist/);
  t.deepEqual(leases.list(), [], 'nothing was leased');
});

test('numbers show leased, cooling (also while an expired lease awaits the sweep) and available, and filter by them', async (t) => {
  const { leases, pool, clock } = await openBooks(t, files, { pool: [poolNumber(1), poolNumber(2), poolNumber(3)], leases: { cooldownMs: HOUR } });
  const long = leases.request({ account: 'acme', ttlMs: 2 * HOUR });
  const short = leases.request({ account: 'acme', ttlMs: MINUTE });
  t.like(pool.get(long.number), { state: 'leased', lease: { id: long.id, account: 'acme', expiresAt: long.expiresAt }, coolingUntil: null });
  const states = () => pool.list().map((n) => n.state);
  t.deepEqual(states(), ['leased', 'leased', 'available']);

  clock.now += MINUTE;
  t.like(pool.get(short.number), { state: 'cooling', lease: null, coolingUntil: null }, 'past its TTL, not yet swept: not handed out, so cooling');
  leases.endExpired();
  t.like(pool.get(short.number), { state: 'cooling', coolingUntil: clock.now + HOUR });
  t.deepEqual(pool.list({ state: 'leased' }).map((n) => n.e164), [long.number]);
  t.deepEqual(pool.list({ state: 'cooling' }).map((n) => n.e164), [short.number]);
  t.deepEqual(pool.list({ state: 'available' }).map((n) => n.e164), [poolNumber(3)]);

  // An operator may quarantine a leased number (abuse): it shows quarantined, and still the lease.
  pool.change(long.number, 'quarantine');
  t.like(pool.get(long.number), { state: 'quarantined', lease: { id: long.id } });
  t.deepEqual(pool.list({ state: 'leased' }), []);
});

test('list shows leases newest first, by account and only active ones', async (t) => {
  const { leases, clock } = await openBooks(t, files, { pool: [poolNumber(1), poolNumber(2), poolNumber(3)], accounts: ['acme', 'zeta'] });
  const a = leases.request({ account: 'acme', ttlMs: HOUR });
  clock.now += 1;
  const b = leases.request({ account: 'zeta', ttlMs: HOUR });
  clock.now += 1;
  const c = leases.request({ account: 'acme', ttlMs: HOUR });
  leases.release(a.id);
  t.deepEqual(leases.list().map((l) => l.id), [c.id, b.id, a.id]);
  t.deepEqual(leases.list({ account: 'acme' }).map((l) => l.id), [c.id, a.id]);
  t.deepEqual(leases.list({ account: 'acme', active: true }).map((l) => l.id), [c.id]);
});
