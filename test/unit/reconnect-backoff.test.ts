/**
 * The carrier reconnect delay: exponential from initialDelayMs, capped at maxDelayMs, and
 * spread by ± jitter so binds do not reconnect in lockstep.
 */
import test from 'ava';
import { reconnectDelayMs } from '../../src/carriers/bind-pool.js';

const policy = { initialDelayMs: 1_000, maxDelayMs: 60_000, multiplier: 2, jitter: 0.2 };
const middle = () => 0.5; // no jitter either way

test('the delay grows by the multiplier per failure and stops at the cap', (t) => {
  t.deepEqual(
    [0, 1, 2, 3, 5, 6, 7, 20].map((n) => reconnectDelayMs(n, policy, middle)),
    [1_000, 2_000, 4_000, 8_000, 32_000, 60_000, 60_000, 60_000],
  );
});

test('jitter spreads the delay by at most ± its share, around the capped value too', (t) => {
  t.is(reconnectDelayMs(0, policy, () => 0), 800);
  t.is(reconnectDelayMs(0, policy, () => 1), 1_200);
  t.is(reconnectDelayMs(10, policy, () => 0), 48_000);
  t.is(reconnectDelayMs(10, policy, () => 1), 72_000);
  t.is(reconnectDelayMs(3, { ...policy, jitter: 0 }, () => 0.9), 8_000, 'no jitter: exact');
});
