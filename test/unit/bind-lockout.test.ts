import test from 'ava';
import { BindLockout } from '../../src/accounts/lockout.js';

const opts = { maxFailures: 3, windowMs: 60_000, lockMs: 300_000 };

test('an address is locked at the Nth failure within the window and released after lockMs', (t) => {
  const lockout = new BindLockout(opts);
  lockout.failure('192.0.2.1', 1_000);
  lockout.failure('192.0.2.1', 2_000);
  t.false(lockout.locked('192.0.2.1', 2_000));
  lockout.failure('192.0.2.1', 3_000);
  t.true(lockout.locked('192.0.2.1', 3_000));
  t.true(lockout.locked('192.0.2.1', 302_999));
  t.false(lockout.locked('192.0.2.1', 303_000));
});

test('other addresses are not affected by one address being locked', (t) => {
  const lockout = new BindLockout(opts);
  for (const at of [1, 2, 3]) lockout.failure('192.0.2.1', at);
  t.true(lockout.locked('192.0.2.1', 4));
  t.false(lockout.locked('192.0.2.2', 4));
});

test('failures spread beyond the window do not lock', (t) => {
  const lockout = new BindLockout(opts);
  lockout.failure('a', 0);
  lockout.failure('a', 30_000);
  lockout.failure('a', 60_000); // a new window starts here
  t.false(lockout.locked('a', 60_000));
  lockout.failure('a', 61_000);
  lockout.failure('a', 62_000);
  t.true(lockout.locked('a', 62_000));
});

test('a success clears the count of failures', (t) => {
  const lockout = new BindLockout(opts);
  lockout.failure('a', 1);
  lockout.failure('a', 2);
  lockout.success('a');
  lockout.failure('a', 3);
  lockout.failure('a', 4);
  t.false(lockout.locked('a', 5));
  lockout.failure('a', 5);
  t.true(lockout.locked('a', 5));
});

test('entries expire once window and lock have passed', (t) => {
  const lockout = new BindLockout(opts);
  lockout.failure('a', 0);
  t.is(lockout.size, 1);
  t.false(lockout.locked('a', 60_000));
  t.is(lockout.size, 0);
});

test('the table is capped, evicting the least recently failing address first', (t) => {
  const lockout = new BindLockout({ ...opts, maxFailures: 1, maxEntries: 3 });
  lockout.failure('a', 1);
  lockout.failure('b', 2);
  lockout.failure('c', 3);
  lockout.failure('a', 4); // a is now the most recent
  lockout.failure('d', 5);
  t.is(lockout.size, 3);
  t.false(lockout.locked('b', 6));
  t.true(lockout.locked('a', 6));
  t.true(lockout.locked('c', 6));
  t.true(lockout.locked('d', 6));
});

test('expired entries are dropped before live ones when room is needed', (t) => {
  const lockout = new BindLockout({ ...opts, maxFailures: 2, maxEntries: 2 });
  lockout.failure('old', 0);
  lockout.failure('live', 100_000);
  lockout.failure('new', 100_001); // 'old' expired at 60_000: it goes, 'live' stays
  lockout.failure('live', 100_002);
  t.is(lockout.size, 2);
  t.true(lockout.locked('live', 100_003));
});
