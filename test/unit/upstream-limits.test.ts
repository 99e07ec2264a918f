import test from 'ava';
import { EventEmitter } from 'node:events';
import type { MessageState } from '../../src/messages/types.js';
import { BindRegistry } from '../../src/upstream/bind-steps.js';
import { smppAbsoluteTime } from '../../src/upstream/message-state.js';
import { QueueTracker } from '../../src/upstream/queue-tracker.js';
import { RateLimiter } from '../../src/accounts/rate-limiter.js';

test('the rate limiter gives one second of tokens, then refills at the rate, per account', (t) => {
  const limiter = new RateLimiter();
  const taken = (account: string, now: number, n: number) => Array.from({ length: n }, () => limiter.take(account, 10, now)).filter(Boolean).length;
  t.is(taken('a', 0, 15), 10);
  t.is(taken('b', 0, 15), 10); // another account has its own bucket
  t.is(taken('a', 500, 15), 5); // half a second refills half the rate
  t.is(taken('a', 10_000, 15), 10); // never more than one second's worth
});

test('a rate under 1 msg/s still lets one message through, then one per 1/rate seconds', (t) => {
  const limiter = new RateLimiter();
  t.true(limiter.take('a', 0.5, 0));
  t.false(limiter.take('a', 0.5, 1_000));
  t.true(limiter.take('a', 0.5, 2_000));
});

test('the bind registry counts binds per account, lists receivers and forgets closed binds', (t) => {
  const registry = new BindRegistry<string>();
  const offTx = registry.add('acme', 'transmitter', 'tx');
  const offRx = registry.add('acme', 'receiver', 'rx');
  registry.add('acme', 'transceiver', 'trx');
  t.is(registry.count('acme'), 3);
  t.deepEqual(registry.receivers('acme'), ['rx', 'trx']);
  offRx();
  offRx(); // twice is harmless
  offTx();
  t.is(registry.count('acme'), 1);
  t.deepEqual(registry.receivers('acme'), ['trx']);
  t.deepEqual(registry.receivers('nobody'), []);
});

test('the queue tracker holds a slot from reservation to the final event', (t) => {
  const events = new EventEmitter<{ final: [id: string, state: MessageState] }>();
  const queue = new QueueTracker(events);
  t.true(queue.tryReserve('acme', 2));
  t.true(queue.tryReserve('acme', 2));
  t.false(queue.tryReserve('acme', 2));
  queue.accepted('m1', 'acme');
  queue.release('acme'); // the second enqueue failed
  t.true(queue.tryReserve('acme', 2));
  queue.accepted('m2', 'acme');
  events.emit('final', 'unknown', 'DELIVERED'); // not ours: changes nothing
  t.false(queue.tryReserve('acme', 2));
  events.emit('final', 'm1', 'DELIVERED');
  events.emit('final', 'm1', 'DELIVERED'); // a repeated event frees nothing more
  t.true(queue.tryReserve('acme', 2));
  t.false(queue.tryReserve('acme', 2));
  queue.close();
  events.emit('final', 'm2', 'DELIVERED');
  t.false(queue.tryReserve('acme', 2));
});

test('final dates are absolute SMPP times in UTC', (t) => {
  t.is(smppAbsoluteTime(Date.UTC(2026, 10, 3, 4, 5, 6, 789)), '261103040506000+');
});
