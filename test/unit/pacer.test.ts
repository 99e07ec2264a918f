/**
 * The carrier pacer's rate logic, driven with explicit times: smooth spacing, no burst at
 * a second boundary, halving on throttle (once per episode), additive recovery to the
 * configured rate, and the floor.
 */
import test from 'ava';
import { BURST_MS, PaceControl, Pacer } from '../../src/carriers/pacer.js';

/** Sends as soon as each token is due, from `from` until `to`; returns the send times. */
function sendTimes(pace: PaceControl, from: number, to: number): number[] {
  const times: number[] = [];
  let now = from;
  while (now < to) {
    const waitMs = pace.take(now);
    if (waitMs === 0) times.push(now);
    else now += waitMs;
  }
  return times;
}

test('messages leave about 1000/rate ms apart', (t) => {
  const pace = new PaceControl(10, 0);
  t.is(pace.take(0), 0, 'the first goes at once');
  t.is(pace.take(0), 100, 'the next is due one interval later');
  t.is(pace.take(40), 60);
  t.is(pace.take(100), 0);
  const times = sendTimes(new PaceControl(10, 0), 0, 1_000);
  t.deepEqual(times, [0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
});

test('an idle pacer stores a few tens of ms of tokens, not a second: no burst at a boundary', (t) => {
  const pace = new PaceControl(1_000, 0);
  const burst = (1_000 * BURST_MS) / 1_000;
  // Idle for 10 s: a per-second counter would now let 1,000 out at once.
  const times = sendTimes(pace, 10_000, 11_000);
  const inFirst100Ms = times.filter((x) => x < 10_100).length;
  t.true(inFirst100Ms <= 100 + burst, `${inFirst100Ms} sent in the first 100 ms`);
  t.is(times.filter((x) => x === 10_000).length, burst, 'at most the burst leaves at one instant');
  t.true(times.length <= 1_000 + burst, `${times.length} sent in one second`);
  t.true(times.length >= 990, 'the rate is still met');
});

test('a slow carrier at 2 msg/s still gets a message every 500 ms from the start', (t) => {
  t.deepEqual(sendTimes(new PaceControl(2, 0), 0, 2_000), [0, 500, 1_000, 1_500]);
});

test('a throttle answer halves the rate; answers to submits sent before the cut do not cut again', (t) => {
  const pace = new PaceControl(100, 0);
  t.true(pace.slowDown(1_000));
  t.is(pace.rateAt(1_000), 50);
  // A window of 0x58 answers for submits that left before the cut: one episode, one cut.
  t.false(pace.slowDown(1_001, 999));
  t.false(pace.slowDown(1_002, 990));
  t.true(pace.rateAt(1_002) > 50, 'not cut again; recovering');
  t.true(pace.slowDown(1_010, 1_005), 'a submit sent after the cut was throttled too');
  t.true(pace.rateAt(1_010) < 26);
});

test('the halved rate spaces messages at the new interval', (t) => {
  const pace = new PaceControl(10, 0);
  pace.slowDown(0);
  t.is(pace.rateAt(0), 5);
  t.is(pace.take(0), 0);
  t.is(pace.take(0), 200);
});

test('the rate recovers by 5 % of the configured rate per second, up to the configured rate', (t) => {
  const pace = new PaceControl(100, 0);
  pace.slowDown(0);
  t.is(pace.rateAt(0), 50);
  t.is(pace.rateAt(1_000), 55);
  t.is(pace.rateAt(5_000), 75);
  t.is(pace.rateAt(10_000), 100);
  t.is(pace.rateAt(60_000), 100, 'never above the configured rate');
  pace.slowDown(60_000);
  t.is(pace.rateAt(60_000), 50, 'a later cut halves the recovered rate');
});

test('the rate never falls below its floor: 5 % of the configured rate, at least 1 msg/s', (t) => {
  for (const [configured, floor] of [
    [100, 5],
    [10, 1],
    [0.5, 0.5],
  ] as const) {
    const pace = new PaceControl(configured, 0);
    t.is(pace.floorRate, floor);
    for (let i = 0; i < 20; i++) pace.slowDown(i);
    t.is(pace.rateAt(19), floor, `configured ${configured}`);
    t.true(pace.take(19) <= Math.ceil(1_000 / floor), 'a message still leaves within one floor interval');
  }
});

test('acquire serves its callers in call order', async (t) => {
  const pacer = new Pacer(1_000);
  const order: number[] = [];
  await Promise.all(Array.from({ length: 8 }, (_, i) => pacer.acquire().then(() => order.push(i))));
  t.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7]);
  t.is(pacer.currentRate, 1_000);
  t.true(pacer.slowDown());
  t.true(pacer.currentRate < 1_000);
});
