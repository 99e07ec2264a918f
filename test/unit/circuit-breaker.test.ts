import test from 'ava';
import { CircuitBreaker } from '../../src/routing/circuit-breaker.js';

const breaker = () => new CircuitBreaker({ failureThreshold: 3, openMs: 1000 });

/** Opens a fresh breaker with three failures at t=100. */
function opened(): CircuitBreaker {
  const b = breaker();
  for (let i = 0; i < 3; i++) b.failure(100);
  return b;
}

test('a closed breaker lets everything through', (t) => {
  const b = breaker();
  t.is(b.state(0), 'closed');
  t.true(b.allow(0));
  t.true(b.allow(0));
});

test('it opens after failureThreshold consecutive failures, not before', (t) => {
  const b = breaker();
  b.failure(10);
  b.failure(20);
  t.is(b.state(20), 'closed');
  t.true(b.allow(20));
  b.failure(30);
  t.is(b.state(30), 'open');
  t.false(b.allow(30));
});

test('a success resets the count of consecutive failures', (t) => {
  const b = breaker();
  b.failure(10);
  b.failure(20);
  b.success(25);
  b.failure(30);
  b.failure(40);
  t.is(b.state(40), 'closed');
  b.failure(50);
  t.is(b.state(50), 'open');
});

test('open refuses until openMs has passed, then is half-open', (t) => {
  const b = opened();
  t.false(b.allow(1099));
  t.is(b.state(1099), 'open');
  t.is(b.state(1100), 'half_open');
});

test('half-open lets exactly one probe through at a time', (t) => {
  const b = opened();
  t.true(b.allow(1100));
  t.false(b.allow(1100));
  t.false(b.allow(1500));
  t.is(b.state(1500), 'half_open');
});

test("the probe's success closes the breaker", (t) => {
  const b = opened();
  t.true(b.allow(1100));
  b.success(1200);
  t.is(b.state(1200), 'closed');
  t.true(b.allow(1200));
  t.true(b.allow(1200));
});

test("the probe's failure re-opens it for another openMs", (t) => {
  const b = opened();
  t.true(b.allow(1100));
  b.failure(1200);
  t.is(b.state(1200), 'open');
  t.false(b.allow(2199));
  t.is(b.state(2200), 'half_open');
  t.true(b.allow(2200));
});

test('results of requests sent before it opened change nothing while open', (t) => {
  const b = opened();
  b.success(500);
  t.is(b.state(500), 'open');
  b.failure(900);
  t.is(b.state(1100), 'half_open', 'a late failure does not extend the open period');
});

test('a released probe gives its turn to the next request', (t) => {
  const b = opened();
  t.true(b.allow(1100));
  b.release();
  t.true(b.allow(1150));
  t.false(b.allow(1150));
});

test('a probe that never reports does not wedge the breaker', (t) => {
  const b = opened();
  t.true(b.allow(1100));
  t.false(b.allow(2099));
  t.true(b.allow(2100));
});

test('after closing, it takes failureThreshold new failures to open again', (t) => {
  const b = opened();
  t.true(b.allow(1100));
  b.success(1100);
  b.failure(1200);
  b.failure(1300);
  t.is(b.state(1300), 'closed');
  b.failure(1400);
  t.is(b.state(1400), 'open');
});
