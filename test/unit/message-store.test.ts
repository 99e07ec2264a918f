import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openTestStore, newMessage, content } from '../helpers/routing-store.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('message-store');

test('an enqueued message is claimed once, opened intact, and ENROUTE once accepted', async (t) => {
  const { store } = openTestStore();
  const message = newMessage({ content: content({ partOf: { reference: 7, total: 3, seq: 2 } }) });
  const id = await store.enqueue(message, 'UZ', 1_000);
  t.regex(id, /^[0-9a-f]{16}$/);
  const [claimed, ...rest] = store.claimDue(1_000, 10);
  t.deepEqual(rest, []);
  t.deepEqual(store.claimDue(1_000, 10), [], 'a claimed message is not handed out twice');
  t.is(claimed!.id, id);
  t.deepEqual(claimed!.content, message.content);
  await store.settle(claimed!, [{ n: 1, carrier: 'a', bind: 's1', outcome: 'accepted', status: 0, carrierMessageId: 'X1' }], { kind: 'accepted', carrier: 'a', parts: [{ carrierMessageId: 'X1', carrierKey: 'k1' }] });
  const status = store.status(id)!;
  t.is(status.state, 'ENROUTE');
  t.is(status.carrier, 'a');
  t.deepEqual(status.attempts.map((a) => [a.n, a.carrier, a.outcome]), [[1, 'a', 'accepted']]);
});

test('a receipt matches its message, owes the client a receipt, and a duplicate changes nothing', async (t) => {
  const { store, db } = openTestStore();
  const id = await store.enqueue(newMessage({ registeredDelivery: 1 }), 'UZ');
  const [m] = store.claimDue(Date.now(), 1);
  await store.settle(m!, [], { kind: 'accepted', carrier: 'a', parts: [{ carrierMessageId: 'X2', carrierKey: 'k2' }] });
  t.is(await store.applyReceipt({ carrier: 'a', carrierKey: 'k2', state: 'DELIVERED', errorCode: 0 }), 'matched');
  t.is(await store.applyReceipt({ carrier: 'a', carrierKey: 'k2', state: 'DELIVERED', errorCode: 0 }), 'matched');
  t.is(store.status(id)!.state, 'DELIVERED');
  const owed = db.prepare('SELECT message_id, state FROM client_receipts').all();
  t.deepEqual(owed, [{ message_id: id, state: 'DELIVERED' }]);
});

test('a receipt that beats its submit_sm_resp is held and applied when the resp is recorded', async (t) => {
  const { store } = openTestStore();
  const id = await store.enqueue(newMessage(), 'UZ');
  const [m] = store.claimDue(Date.now(), 1);
  t.is(await store.applyReceipt({ carrier: 'a', carrierKey: 'early', state: 'UNDELIVERABLE', errorCode: 1 }), 'held');
  await store.settle(m!, [], { kind: 'accepted', carrier: 'a', parts: [{ carrierMessageId: 'E', carrierKey: 'early' }] });
  const status = store.status(id)!;
  t.is(status.state, 'UNDELIVERABLE');
  t.is(status.errorCode, 1);
  t.is(await store.sweepEarlyReceipts(Date.now() + 1), 0, 'the held receipt was consumed');
});

test('a message sent in parts is DELIVERED once every part is, with one receipt owed; duplicates count once', async (t) => {
  const { store, db } = openTestStore();
  const id = await store.enqueue(newMessage({ registeredDelivery: 1 }), 'UZ');
  const [m] = store.claimDue(Date.now(), 1);
  const parts = ['p1', 'p2', 'p3'].map((k) => ({ carrierMessageId: k.toUpperCase(), carrierKey: k }));
  // A receipt for the last part beats the resp of the whole message: held, then applied.
  t.is(await store.applyReceipt({ carrier: 'a', carrierKey: 'p3', state: 'DELIVERED', errorCode: 0 }), 'held');
  await store.settle(m!, [], { kind: 'accepted', carrier: 'a', parts });
  t.is(store.status(id)!.state, 'ENROUTE');
  t.is(await store.applyReceipt({ carrier: 'a', carrierKey: 'p1', state: 'DELIVERED', errorCode: 0 }), 'matched');
  t.is(await store.applyReceipt({ carrier: 'a', carrierKey: 'p1', state: 'DELIVERED', errorCode: 0 }), 'matched');
  t.is(await store.applyReceipt({ carrier: 'a', carrierKey: 'p2', state: 'ENROUTE', errorCode: 0 }), 'matched');
  t.is(store.status(id)!.state, 'ENROUTE', 'a duplicate and an intermediate receipt do not complete it');
  t.is(await store.applyReceipt({ carrier: 'a', carrierKey: 'p2', state: 'DELIVERED', errorCode: 0 }), 'matched');
  t.is(store.status(id)!.state, 'DELIVERED');
  t.deepEqual(db.prepare('SELECT message_id, state FROM client_receipts').all(), [{ message_id: id, state: 'DELIVERED' }]);
});

test('a message in parts ends at the first part that fails, with its state and error; later receipts change nothing', async (t) => {
  const { store, db } = openTestStore();
  const id = await store.enqueue(newMessage({ registeredDelivery: 1 }), 'UZ');
  const [m] = store.claimDue(Date.now(), 1);
  await store.settle(m!, [], { kind: 'accepted', carrier: 'a', parts: [{ carrierMessageId: 'Q1', carrierKey: 'q1' }, { carrierMessageId: 'Q2', carrierKey: 'q2' }] });
  await store.applyReceipt({ carrier: 'a', carrierKey: 'q2', state: 'EXPIRED', errorCode: 7 });
  await store.applyReceipt({ carrier: 'a', carrierKey: 'q1', state: 'DELIVERED', errorCode: 0 });
  t.like(store.status(id), { state: 'EXPIRED', errorCode: 7 });
  t.deepEqual(db.prepare('SELECT state FROM client_receipts').all(), [{ state: 'EXPIRED' }]);
});

test('only requested receipts are owed: registered_delivery 0 none, 2 only on failure', async (t) => {
  const { store, db } = openTestStore();
  for (const [rd, state] of [[0, 'UNDELIVERABLE'], [2, 'DELIVERED'], [2, 'EXPIRED']] as const) {
    await store.enqueue(newMessage({ registeredDelivery: rd }), null);
    const [m] = store.claimDue(Date.now(), 1);
    await store.settle(m!, [], { kind: 'final', state, errorCode: 0 });
  }
  t.deepEqual(db.prepare('SELECT state FROM client_receipts').all(), [{ state: 'EXPIRED' }]);
});

test('a retry goes back to the queue, due only at its time, with its attempts counted', async (t) => {
  const { store } = openTestStore();
  const id = await store.enqueue(newMessage(), null, 0);
  const [m] = store.claimDue(0, 1);
  await store.settle(m!, [{ n: 1, carrier: 'a', bind: null, outcome: 'timeout', status: null }], { kind: 'retry', nextAttemptAt: 5_000, errorCode: null });
  t.deepEqual(store.claimDue(4_999, 1), []);
  const [again] = store.claimDue(5_000, 1);
  t.is(again!.id, id);
  t.is(again!.attempts, 1);
});

test('after a crash, taken but unanswered messages return to the queue; ENROUTE ones do not', async (t) => {
  const file = path.join(files.dir, 'crash.db');
  const first = openTestStore(file);
  const inFlight = await first.store.enqueue(newMessage(), null);
  const sent = await first.store.enqueue(newMessage(), null);
  const taken = first.store.claimDue(Date.now(), 2);
  await first.store.settle(taken.find((m) => m.id === sent)!, [], { kind: 'accepted', carrier: 'a', parts: [{ carrierMessageId: 'S', carrierKey: 's' }] });
  first.db.close(); // as a kill would: nothing else is flushed

  const second = openTestStore(file, first.masterKey);
  t.is(second.store.recoverInFlight(), 0, 'a claim writes nothing: the message is still queued on disk');
  t.deepEqual(second.store.claimDue(Date.now(), 10).map((m) => m.id), [inFlight]);
});

test('a store where an older version marked a message taken puts it back in the queue at start', async (t) => {
  const { store, db } = openTestStore();
  const id = await store.enqueue(newMessage(), null);
  db.prepare('UPDATE messages SET queued = 0 WHERE id = ?').run(id); // how claims were recorded before
  t.is(store.recoverInFlight(), 1);
  t.deepEqual(store.claimDue(Date.now(), 10).map((m) => m.id), [id]);
});

test('a claimed message is not cancelled while in flight; a retried one waits again and can be', async (t) => {
  const { store } = openTestStore();
  const id = await store.enqueue(newMessage({ account: 'acme' }), null);
  const [m] = store.claimDue(Date.now(), 1);
  t.false(await store.cancelQueued(id, 'acme'), 'it may be at a carrier');
  t.deepEqual(store.claimDue(Date.now(), 10), [], 'nor claimed twice');
  await store.settle(m!, [{ n: 1, carrier: 'a', bind: null, outcome: 'rejected', status: 0x58 }], { kind: 'retry', nextAttemptAt: Date.now() + 60_000, errorCode: 0x58 });
  t.true(await store.cancelQueued(id, 'acme'));
  t.is(store.status(id)!.state, 'DELETED');
});

test('the store file holds neither the numbers nor the body in the clear', async (t) => {
  const file = path.join(files.dir, 'private.db');
  const { store, db } = openTestStore(file);
  const c = content({ destinationAddr: '998901234567', shortMessage: Buffer.from('the secret body text') });
  await store.enqueue(newMessage({ content: c }), 'UZ');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const bytes = readFileSync(file);
  t.is(bytes.indexOf('998901234567'), -1);
  t.is(bytes.indexOf('the secret body text'), -1);
  t.not(bytes.indexOf('acme'), -1, 'the file is readable, so the search above could have found them');
});
