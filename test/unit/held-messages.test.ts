import test from 'ava';
import { once } from 'node:events';
import { HeldMessages } from '../../src/messages/held-messages.js';
import { PURGED_SQL } from '../../src/messages/purged-content.js';
import { newMessage, openTestStore } from '../helpers/routing-store.js';

test('a held message is stored but never claimed, not even after a restart, until released', async (t) => {
  const { store, db } = openTestStore();
  const id = await store.enqueue(newMessage({ heldRule: 'review' }), 'UZ', 1_000);
  const other = await store.enqueue(newMessage(), 'UZ', 1_000);
  t.deepEqual(store.claimDue(10_000, 10).map((m) => m.id), [other]);
  t.is(store.recoverInFlight(), 0, 'a restart does not queue it');
  t.deepEqual(store.claimDue(10_000, 10), []);
  t.is(store.status(id)!.state, 'ACCEPTED');

  const held = new HeldMessages(db, () => 2_000);
  t.deepEqual(held.list(), [{ id, account: 'acme', rule: 'review', submittedAt: 1_000, validUntil: 1_000 + 24 * 3600_000 }]);
  t.is(held.release(id).rule, 'review');
  t.deepEqual(held.list(), []);
  t.deepEqual(store.claimDue(10_000, 10).map((m) => m.id), [id], 'released: the dispatcher takes it');
  t.throws(() => held.release(id), { message: /no held message/ });
});

test('a dropped held message is ended REJECTED by the claim, with the receipt its client asked for', async (t) => {
  const { store, db } = openTestStore();
  const id = await store.enqueue(newMessage({ heldRule: 'review', registeredDelivery: 1 }), 'UZ');
  new HeldMessages(db).drop(id);
  const final = once(store.events, 'final');
  t.deepEqual(store.claimDue(Date.now() + 1, 10), [], 'nothing to send');
  t.deepEqual((await final).slice(0, 3), [id, 'REJECTED', 'acme']);
  t.is(store.status(id)!.state, 'REJECTED');
  t.is(store.status(id)!.errorCode, 0x45);
  t.deepEqual(db.prepare('SELECT message_id, state FROM client_receipts').all(), [{ message_id: id, state: 'REJECTED' }]);
  t.deepEqual(new HeldMessages(db).list(), []);
});

test('a client may cancel its held message', async (t) => {
  const { store } = openTestStore();
  const id = await store.enqueue(newMessage({ heldRule: 'review' }), 'UZ');
  t.true(await store.cancelQueued(id, 'acme'));
  t.is(store.status(id)!.state, 'DELETED');
});

test('a queued message whose content was purged is ended UNDELIVERABLE instead of sent; its receipt goes without addresses', async (t) => {
  const { store, db } = openTestStore();
  const id = await store.enqueue(newMessage({ registeredDelivery: 1 }), 'UZ');
  db.prepare(`UPDATE messages SET content = ${PURGED_SQL}, purged_at = 1 WHERE id = ?`).run(id);
  const final = once(store.events, 'final');
  t.deepEqual(store.claimDue(Date.now() + 1, 10), []);
  t.deepEqual((await final).slice(0, 2), [id, 'UNDELIVERABLE']);
  const [owed] = store.owedReceipts('acme', 0, 10);
  t.is(owed!.messageId, id);
  t.is(owed!.addresses, undefined, 'the purged content is not opened');
});
