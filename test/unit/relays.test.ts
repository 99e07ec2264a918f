/**
 * Masks and proxy sessions on a real routing store and contact store, with the test's clock:
 * the choice of pool numbers ((V, R) uniqueness, sharing, leases apart), what the store itself
 * refuses, expiry, and that nothing handed out carries a real number.
 */
import test from 'ava';
import { GatewayError } from '../../src/errors.js';
import { NoNumberAvailable } from '../../src/numbers/leases.js';
import { testNumber } from '../helpers/esme.js';
import { HOUR, MINUTE, openBooks, poolNumber } from '../helpers/number-books.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('relays');

/** `count` different real numbers, +99890…: generated, never repeated within a test. */
function realNumbers(count: number): string[] {
  const numbers = new Set<string>();
  while (numbers.size < count) numbers.add(`+${testNumber()}`);
  return [...numbers];
}

/** The ways a real number could show: all its digits, or the national part alone (9 digits). */
const tracesOf = (real: string) => [real.slice(1), real.slice(-9)];

test('two masks of one R get different V; one V serves masks of different R', async (t) => {
  const { relays } = await openBooks(t, files, { pool: [poolNumber(1), poolNumber(2)] });
  const [r1, r2] = realNumbers(2);
  const a = relays.createMask({ account: 'acme', realNumber: r1!, ttlMs: HOUR });
  const b = relays.createMask({ account: 'acme', realNumber: r1!, ttlMs: HOUR });
  t.not(a.number, b.number, "R's two masks never share a V: R's reply to V must find one mask");
  t.not(a.alias, b.alias);
  const c = relays.createMask({ account: 'acme', realNumber: r2!, ttlMs: HOUR });
  const d = relays.createMask({ account: 'acme', realNumber: r2!, ttlMs: HOUR });
  t.deepEqual([c.number, d.number].sort(), [a.number, b.number].sort(), 'the same two V serve R2 as well');

  const third = t.throws(() => relays.createMask({ account: 'acme', realNumber: r1!, ttlMs: HOUR }), { instanceOf: NoNumberAvailable }) as NoNumberAvailable;
  t.is(third.pool, 'the pool of country UZ', "by default V is in R's country");
  t.regex(third.message, /^no number available in the pool of country UZ: .*already serves this party/);

  const legOf = (number: string, real: string) => relays.legFor(number, relays.partyIndexOf(real))?.id;
  t.is(legOf(a.number, r1!), a.id, 'R1 writing to V finds its own mask');
  t.is(legOf(c.number, r2!), c.id);
  t.is(legOf(d.number, r2!), d.id);
});

test('a session has two legs, each party on its own V and alias, each the peer of the other', async (t) => {
  const { relays, clock } = await openBooks(t, files, { pool: [poolNumber(1), poolNumber(2)] });
  const [a, b] = realNumbers(2);
  const session = relays.createSession({ account: 'acme', partyA: a!, partyB: b!, ttlMs: HOUR, reference: 'ride-9' });
  t.like(session, { account: 'acme', reference: 'ride-9', createdAt: clock.now, expiresAt: clock.now + HOUR, endedAt: null, endReason: null });
  t.is(session.parties.length, 2);
  const [pa, pb] = session.parties;
  const legA = relays.legFor(pa!.number, relays.partyIndexOf(a!))!;
  const legB = relays.legFor(pb!.number, relays.partyIndexOf(b!))!;
  t.like(legA, { id: pa!.leg, kind: 'session', sessionId: session.id, peerLeg: pb!.leg, alias: pa!.alias });
  t.like(legB, { id: pb!.leg, kind: 'session', sessionId: session.id, peerLeg: pa!.leg, alias: pb!.alias });
  t.deepEqual(relays.addressOf(legA), { from: pa!.number, to: a }, 'A hears from its V');
  t.deepEqual(relays.addressOf(legB), { from: pb!.number, to: b });
  t.not(pa!.number, pb!.number, 'the least loaded V for each party');
  t.is(relays.legFor(pa!.number, relays.partyIndexOf(b!)), undefined, "B texting A's number matches no leg");
  t.deepEqual(relays.listSessions().map((s) => s.id), [session.id]);
  t.deepEqual(relays.listMasks(), [], 'session legs are not masks');

  const same = t.throws(() => relays.createSession({ account: 'acme', partyA: a!, partyB: a!.slice(1), ttlMs: HOUR }), { instanceOf: GatewayError });
  t.is(same!.code, 'USAGE');
  t.regex(same!.message, /must be different numbers/, 'one number in two spellings is one party');

  t.like(relays.closeSession(session.id), { endReason: 'closed' });
  t.is(relays.legFor(pa!.number, relays.partyIndexOf(a!)), undefined, 'a closed session relays nothing');
  t.is(relays.leg(pb!.leg)!.endReason, 'closed', 'both legs end with it');
  t.throws(() => relays.closeSession(session.id), { message: /already ended \(closed\)/ });
});

test('(V, R) uniqueness spans masks and sessions', async (t) => {
  const { relays } = await openBooks(t, files, { pool: [poolNumber(1), poolNumber(2)] });
  const [r, s] = realNumbers(2);
  const mask = relays.createMask({ account: 'acme', realNumber: r!, ttlMs: HOUR });
  const session = relays.createSession({ account: 'acme', partyA: r!, partyB: s!, ttlMs: HOUR });
  t.not(session.parties[0]!.number, mask.number, "R's session leg avoids the V of R's mask");
  t.throws(() => relays.createMask({ account: 'acme', realNumber: r!, ttlMs: HOUR }), { instanceOf: NoNumberAvailable }, 'R is on both V now');
  t.truthy(relays.createMask({ account: 'acme', realNumber: s!, ttlMs: HOUR }), 'S still has a V free');
  t.throws(() => relays.createSession({ account: 'acme', partyA: s!, partyB: r!, ttlMs: HOUR }), { instanceOf: NoNumberAvailable });
  t.is(relays.listSessions().length, 1, 'a refused session leaves nothing behind');
});

test('a leased number never serves a mask, and a number with active legs is never leased', async (t) => {
  const { relays, leases } = await openBooks(t, files, { pool: [poolNumber(1), poolNumber(2)] });
  const [r1, r2] = realNumbers(2);
  const lease = leases.request({ account: 'acme', ttlMs: HOUR });
  t.is(lease.number, poolNumber(1));
  const mask = relays.createMask({ account: 'acme', realNumber: r1!, ttlMs: HOUR });
  t.is(mask.number, poolNumber(2), 'not the leased number');
  t.throws(() => relays.createMask({ account: 'acme', realNumber: r1!, ttlMs: HOUR }), { instanceOf: NoNumberAvailable }, 'the leased number is no fallback');
  t.is(relays.createMask({ account: 'acme', realNumber: r2!, ttlMs: HOUR }).number, poolNumber(2));

  const refused = t.throws(() => leases.request({ account: 'acme', ttlMs: HOUR }), { instanceOf: NoNumberAvailable }) as NoNumberAvailable;
  t.is(refused.reason, 'all-leased');
  t.regex(refused.message, /leased or serve masks and sessions/);
});

test('the store itself refuses a lease on a relay number, a leg on a leased number, and a second leg of R on V', async (t) => {
  const { relays, leases, db, clock } = await openBooks(t, files, { pool: [poolNumber(1), poolNumber(2)] });
  const [r] = realNumbers(1);
  const lease = leases.request({ account: 'acme', ttlMs: HOUR });
  const mask = relays.createMask({ account: 'acme', realNumber: r!, ttlMs: HOUR });
  const leg = relays.leg(mask.id)!;
  const insertLease = db.prepare("INSERT INTO leases (id, number, account, created_at, expires_at) VALUES (?, ?, 'acme', ?, ?)");
  const insertLeg = db.prepare(
    `INSERT INTO relay_legs (id, kind, account, number, party_index, contact_id, alias, created_at, expires_at)
     VALUES (@id, 'mask', 'acme', @number, @party, @contact, @alias, @now, @expires)`,
  );
  const leg2 = (id: string, number: string, alias: string) => ({ id, number, party: relays.partyIndexOf(r!), contact: leg.contactId, alias, now: clock.now, expires: clock.now + HOUR });

  // better-sqlite3's SqliteError comes from the native addon: `any` lets ava take it.
  t.throws(() => insertLease.run('lease-direct', mask.number, clock.now, clock.now + HOUR), { any: true, message: /the number serves masks or proxy sessions/ });
  t.throws(() => insertLeg.run(leg2('leg-direct-1', lease.number, '000999999999991')), { any: true, message: /the number is leased/ });
  t.throws(() => insertLeg.run(leg2('leg-direct-2', mask.number, '000999999999992')), { any: true, message: /UNIQUE constraint failed: relay_legs.number, relay_legs.party_index/ });
  t.throws(() => insertLease.run('lease-direct', lease.number, clock.now, clock.now + HOUR), { any: true, message: /UNIQUE constraint failed: leases.number/ }, 'one active lease per number');

  // Once the holders end, the same rows are accepted: the rules are about active holders only.
  relays.revokeMask(mask.id);
  leases.release(lease.id);
  t.notThrows(() => insertLeg.run(leg2('leg-direct-2', mask.number, '000999999999992')));
  t.notThrows(() => insertLease.run('lease-direct', lease.number, clock.now, clock.now + HOUR));
});

test('no view of a mask or session holds a real number, nor do the routing rows', async (t) => {
  const { relays, db } = await openBooks(t, files, { pool: [poolNumber(1), poolNumber(2), poolNumber(3)] });
  const [r, a, b] = realNumbers(3);
  const views: unknown[] = [];
  const mask = relays.createMask({ account: 'acme', realNumber: r!, ttlMs: HOUR, reference: 'case-1' });
  const session = relays.createSession({ account: 'acme', partyA: a!, partyB: b!, ttlMs: HOUR });
  views.push(mask, relays.getMask(mask.id), relays.requireMask(mask.id), relays.listMasks(), relays.listMasks({ account: 'acme', active: true }));
  views.push(session, relays.getSession(session.id), relays.requireSession(session.id), relays.listSessions());
  views.push(relays.revokeMask(mask.id), relays.closeSession(session.id));
  views.push(db.prepare('SELECT * FROM relay_legs').all(), db.prepare('SELECT * FROM proxy_sessions').all());
  const text = JSON.stringify(views);
  t.true(text.includes(mask.alias), 'the scan sees the views');
  for (const real of [r!, a!, b!]) {
    for (const trace of tracesOf(real)) t.false(text.includes(trace), `a view holds …${real.slice(-3)}`);
  }

  const bad = t.throws(() => relays.createMask({ account: 'acme', realNumber: '+99890123456789', ttlMs: HOUR }), { instanceOf: GatewayError });
  t.is(bad!.code, 'BAD_DESTINATION');
  t.is(bad!.message, 'the number ending in …789 is not a valid E.164 phone number: give the country code and the full number');
});

test('masks and sessions end with their TTL: unused at once, ended by the sweep', async (t) => {
  const { relays, clock } = await openBooks(t, files, { pool: [poolNumber(1), poolNumber(2)] });
  const [r, a, b] = realNumbers(3);
  const mask = relays.createMask({ account: 'acme', realNumber: r!, ttlMs: 10 * MINUTE });
  const session = relays.createSession({ account: 'acme', partyA: a!, partyB: b!, ttlMs: 20 * MINUTE });
  t.is(relays.legByAlias('acme', mask.alias)?.id, mask.id);
  t.is(relays.legByAlias('zeta', mask.alias), undefined, "another account's alias is nobody");

  clock.now += 10 * MINUTE;
  t.is(relays.legByAlias('acme', mask.alias), undefined, 'past its TTL the alias reaches nobody, before any sweep');
  t.is(relays.legFor(mask.number, relays.partyIndexOf(r!)), undefined, "and R's replies reach nobody");
  t.truthy(relays.legByAlias('acme', session.parties[0]!.alias), 'the session lasts longer');

  clock.now += 5 * MINUTE;
  const told: string[] = [];
  const tell = (ended: { masks: { id: string }[]; sessions: { id: string }[] }) => told.push(...ended.masks.map((m) => m.id), ...ended.sessions.map((s) => s.id));
  t.deepEqual(relays.endExpired(500, 4 * MINUTE, tell), { legs: 1, late: 1, masks: [relays.getMask(mask.id)!], sessions: [] }, 'ended 5 minutes late: more than the sweep interval');
  t.like(relays.getMask(mask.id), { endedAt: clock.now, endReason: 'ttl' });
  clock.now += 5 * MINUTE;
  t.deepEqual(relays.endExpired(500, 4 * MINUTE, tell), { legs: 2, late: 0, masks: [], sessions: [relays.getSession(session.id)!] }, 'a session once, for its two legs');
  t.like(relays.getSession(session.id), { endedAt: clock.now, endReason: 'ttl' });
  t.deepEqual(told, [mask.id, session.id], 'the callback heard of each, inside the transaction');
  t.deepEqual(relays.endExpired(), { legs: 0, late: 0, masks: [], sessions: [] });
  t.deepEqual(relays.listMasks({ active: true }), []);
});

test("R's next mask avoids the V of its recently ended one, so a late reply cannot reach the new holder", async (t) => {
  const { relays, clock } = await openBooks(t, files, { pool: [poolNumber(1), poolNumber(2)], leases: { cooldownMs: HOUR } });
  const [r] = realNumbers(1);
  const first = relays.createMask({ account: 'acme', realNumber: r!, ttlMs: HOUR });
  t.is(first.number, poolNumber(1));
  relays.revokeMask(first.id);
  t.is(relays.createMask({ account: 'acme', realNumber: r!, ttlMs: HOUR }).number, poolNumber(2), 'the other V, though V1 is free again');
  t.is(relays.createMask({ account: 'acme', realNumber: r!, ttlMs: HOUR }).number, poolNumber(1), 'V1 still serves when nothing else can');
  clock.now += HOUR;
  t.throws(() => relays.revokeMask(first.id), { instanceOf: GatewayError, message: /already ended \(revoked\)/ });
});

test('bad mask and session requests are usage errors naming the fix', async (t) => {
  const { relays } = await openBooks(t, files, { pool: [poolNumber(1)], relays: { maxTtlMs: 2 * HOUR } });
  const [r] = realNumbers(1);
  const usage = (run: () => unknown, message: RegExp) => t.is(t.throws(run, { instanceOf: GatewayError, message })!.code, 'USAGE');
  usage(() => relays.createMask({ account: 'acme', realNumber: r!, ttlMs: 500 }), /ttl: give at least one second/);
  usage(() => relays.createMask({ account: 'acme', realNumber: r!, ttlMs: 2 * HOUR + 1 }), /at most 7200000 ms \(numbers.relays.maxTtlMs\)/);
  usage(() => relays.createMask({ account: 'nobody', realNumber: r!, ttlMs: HOUR }), /account "nobody" does not exist/);
  usage(() => relays.requireMask('mask-0000000000000000'), /no mask "mask-0000000000000000"; `maskgate masks list`/);
  usage(() => relays.requireSession('sess-0000000000000000'), /no session "sess-0000000000000000"; `maskgate sessions list`/);
  t.deepEqual(relays.listMasks(), []);
});
