/**
 * Retention on real stores (a routing store and a contact store, opened as the daemon opens
 * them) with the test's clock: each class purged exactly when it is past its time, and never
 * what something still needs; a dry run changes nothing.
 */
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { MessageStore } from '../../src/messages/message-store.js';
import { isPurged } from '../../src/messages/purged-content.js';
import type { Database } from '../../src/store/database.js';
import { Retention, type RetentionReport } from '../../src/store/retention.js';
import { countBelow, guardKeyFloor } from '../../src/store/resealer.js';
import { ROUTING_SEALED } from '../../src/store/sealed-columns.js';
import { testNumber } from '../helpers/esme.js';
import { openBooks, poolNumber } from '../helpers/number-books.js';
import { newMessage } from '../helpers/routing-store.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('retention');
const DAY = 86_400_000;

/** Every table's row count in both stores: what a dry run must leave as it was. */
function snapshot(db: Database, contactsDb: Database) {
  const count = (d: Database, table: string) => d.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  const purged = db.prepare('SELECT count(*) FROM messages WHERE purged_at IS NOT NULL').pluck().get() as number;
  return {
    ...Object.fromEntries(['messages', 'attempts', 'leases', 'relay_legs', 'proxy_sessions', 'webhook_outbox', 'audit_log'].map((t) => [t, count(db, t)])),
    contacts: count(contactsDb, 'contacts'),
    purged,
  };
}

const counts = (r: RetentionReport) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.count]));

test('each class goes exactly when it is past its time, and nothing anything still needs', async (t) => {
  const books = await openBooks(t, files, { pool: Array.from({ length: 8 }, (_, i) => poolNumber(i + 1)) });
  const { db, contacts, contactsDb, relays, leases, clock, config } = books;
  clock.now = Date.now(); // the contact store stamps contacts with the real time
  const t0 = clock.now;
  const key = randomBytes(32);
  const store = new MessageStore({ db, keys: { current: { version: 1, key }, keyFor: () => key }, batch: { maxBatch: 64, maxDelayMs: 1, maxPending: 1000 }, defaultValidityMs: 400 * DAY });
  const retention = new Retention({ db, contactsDb, contacts, policy: { ...config.retention, batchSize: 2 } });
  const party = () => `+${testNumber()}`;
  const [ra, rc, rd, re, rf] = [party(), party(), party(), party(), party()];

  // Leases: one released now, one still active.
  const l1 = leases.request({ account: 'acme', ttlMs: DAY });
  leases.release(l1.id);
  const l2 = leases.request({ account: 'acme', ttlMs: DAY });
  // Masks: RA's first revoked (its second active: RA's contact stays); RC's revoked; RD's
  // revoked with a message to it still queued (the leg is needed); a session closed.
  const a1 = relays.createMask({ account: 'acme', realNumber: ra, ttlMs: 80 * DAY });
  const a2 = relays.createMask({ account: 'acme', realNumber: ra, ttlMs: 80 * DAY });
  const c1 = relays.createMask({ account: 'acme', realNumber: rc, ttlMs: 80 * DAY });
  const d1 = relays.createMask({ account: 'acme', realNumber: rd, ttlMs: 80 * DAY });
  const s1 = relays.createSession({ account: 'acme', partyA: re, partyB: rf, ttlMs: 80 * DAY });
  for (const m of [a1, c1, d1]) relays.revokeMask(m.id);
  relays.closeSession(s1.id);

  // Messages: four final now, one final 10 days later, one queued to D1, one queued plain.
  const finalNow = await Promise.all([1, 2, 3, 4].map(() => store.enqueue(newMessage(), 'UZ', t0)));
  for (const m of store.claimDue(t0, 10)) await store.settle(m, [{ n: 1, carrier: 'alpha', bind: 'b', outcome: 'rejected', status: 0x0b }], { kind: 'final', state: 'REJECTED', errorCode: 0x0b }, t0);
  const later = await store.enqueue(newMessage(), 'UZ', t0);
  for (const m of store.claimDue(t0, 10)) await store.settle(m, [], { kind: 'final', state: 'DELIVERED', errorCode: 0 }, t0 + 10 * DAY);
  const toD1 = await store.enqueue(newMessage({ relayLeg: d1.id }), null, t0);
  const queued = await store.enqueue(newMessage(), 'UZ', t0);
  // Webhooks: one dead-lettered now, one waiting.
  const outbox = db.prepare('INSERT INTO webhook_outbox (id, account, event, payload, created_at, retry_from, next_attempt_at, dead_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  outbox.run('w1', 'acme', 'mo', randomBytes(40), t0, t0, t0, t0);
  outbox.run('w2', 'acme', 'mo', randomBytes(40), t0, t0, t0, null);

  const none = { messageBodies: 0, messages: 0, leases: 0, masks: 0, sessions: 0, contacts: 0, deadWebhooks: 0 };
  t.deepEqual(counts(retention.plan(t0 + DAY)), none, 'nothing is a day past its time');

  // Day 8: the bodies of messages final for more than 7 days.
  const before8 = snapshot(db, contactsDb);
  const plan8 = retention.plan(t0 + 8 * DAY);
  t.deepEqual(counts(plan8), { ...none, messageBodies: 4 });
  t.is(plan8.messageBodies.oldest, t0);
  t.deepEqual(snapshot(db, contactsDb), before8, 'a dry run changes nothing');
  t.deepEqual(counts(await retention.run({ now: t0 + 8 * DAY })), counts(plan8), 'the run purges what the dry run showed');
  const content = (id: string) => db.prepare<[string], Buffer>('SELECT content FROM messages WHERE id = ?').pluck().get(id)!;
  for (const id of finalNow) {
    t.true(isPurged(content(id)), 'the body is gone');
    t.like(store.status(id), { state: 'REJECTED', errorCode: 0x0b }, 'the record answers as before');
    t.is(store.status(id)!.attempts.length, 1);
  }
  for (const id of [later, toD1, queued]) t.false(isPurged(content(id)));
  t.is(countBelow(db, ROUTING_SEALED[0]!, 2), 3, 'keys rotate finds the sealed bodies left, and never tries to open a purged one');
  t.deepEqual(counts(retention.plan(t0 + 8 * DAY)), none, 'done: a second pass finds nothing');

  // Day 31: ended masks and sessions past 30 days, with the contacts nobody names any more;
  // the dead webhook; the later message's body.
  const plan31 = retention.plan(t0 + 31 * DAY);
  t.deepEqual(counts(plan31), { ...none, messageBodies: 1, masks: 2, sessions: 1, contacts: 3, deadWebhooks: 1 });
  t.deepEqual(counts(await retention.run({ now: t0 + 31 * DAY })), counts(plan31));
  t.is(relays.getMask(a1.id), undefined);
  t.is(relays.getMask(c1.id), undefined);
  t.is(relays.getSession(s1.id), undefined);
  t.like(relays.getMask(a2.id), { endedAt: null }, 'an active mask stays');
  t.like(relays.getMask(d1.id), { endReason: 'revoked' }, 'a mask with a message still to send stays');
  const hasContact = (number: string) => contacts.find(number).contactId !== undefined;
  t.deepEqual([ra, rc, rd, re, rf].map(hasContact), [true, false, true, false, false], "RA's other mask and RD's pending message keep theirs");
  t.deepEqual(db.prepare('SELECT id FROM webhook_outbox').pluck().all(), ['w2']);
  t.true(isPurged(content(later)));

  // Day 101: the records of messages final for more than 90 days, with their attempts; the released lease.
  const plan101 = retention.plan(t0 + 101 * DAY);
  t.deepEqual(counts(plan101), { ...none, messages: 5, leases: 1 });
  t.deepEqual(counts(await retention.run({ now: t0 + 101 * DAY })), counts(plan101));
  for (const id of [...finalNow, later]) t.is(store.status(id), undefined);
  t.is(db.prepare('SELECT count(*) FROM attempts').pluck().get(), 0, 'their attempts went with them');
  t.deepEqual([toD1, queued].map((id) => store.status(id)?.state), ['ACCEPTED', 'ACCEPTED'], 'messages not final stay, whatever their age');
  t.is(leases.get(l1.id), undefined);
  t.truthy(leases.get(l2.id), 'an active lease stays');
  t.truthy(relays.getMask(d1.id));
});

test('a class kept forever (null) is never purged', async (t) => {
  const books = await openBooks(t, files, { pool: [poolNumber(20)] });
  const { db, contacts, contactsDb, relays, clock, config } = books;
  const m = relays.createMask({ account: 'acme', realNumber: `+${testNumber()}`, ttlMs: 80 * DAY });
  relays.revokeMask(m.id);
  const retention = new Retention({ db, contactsDb, contacts, policy: { ...config.retention, endedRelaysMs: null } });
  const report = await retention.run({ now: clock.now + 1000 * DAY });
  t.is(report.masks.count, 0);
  t.is(report.contacts.count, 0);
  t.truthy(relays.getMask(m.id));
});

test("keys rotate's guard, which refuses values sealed under a retired version, lets a body be purged", async (t) => {
  const { db, contacts, contactsDb, clock, config } = await openBooks(t, files, { pool: [] });
  const key = randomBytes(32);
  const store = new MessageStore({ db, keys: { current: { version: 1, key }, keyFor: () => key }, batch: { maxBatch: 8, maxDelayMs: 1, maxPending: 100 }, defaultValidityMs: DAY });
  const id = await store.enqueue(newMessage(), 'UZ', clock.now);
  for (const m of store.claimDue(clock.now, 1)) await store.settle(m, [], { kind: 'final', state: 'DELIVERED', errorCode: 0 }, clock.now);
  guardKeyFloor(db, ROUTING_SEALED, 2); // as `keys rotate` does before re-sealing under version 2
  t.throws(() => db.prepare('UPDATE messages SET content = content WHERE id = ?').run(id), { any: true, message: /sealed under a master key version below 2/ }, 'the guard is on');
  const report = await new Retention({ db, contactsDb, contacts, policy: config.retention }).run({ now: clock.now + 8 * DAY });
  t.is(report.messageBodies.count, 1);
  t.is(countBelow(db, ROUTING_SEALED[0]!, 2), 0, 'nothing left for the rotation to open');
});
