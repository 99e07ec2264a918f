/**
 * A carrier link when the carrier misbehaves: a bind dropped with submits in flight, a
 * carrier that goes down and comes back, one that falls silent, one that answers too
 * late, one that refuses our bind. Each ends in a defined outcome and the pool keeps
 * itself up.
 */
import test, { type ExecutionContext } from 'ava';
import { startSimulator, type SimulatorOptions } from '../../simulators/smsc.js';
import { boundLegs, eventually, message, startLink, when } from '../helpers/carriers.js';

/** Reconnect quickly: the tests wait for reconnects, never for time. */
const fastReconnect = { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } };

async function simulator(t: ExecutionContext, options: SimulatorOptions = {}) {
  const sim = await startSimulator({ port: 0, ...options });
  t.teardown(() => sim.close());
  return sim;
}

test('a bind lost with submits in flight: they resolve lost, and the pool binds again', async (t) => {
  const sim = await simulator(t, { behaviour: { responseLatencyMs: { min: 60_000, max: 60_000 }, dlr: { mode: 'off' } } });
  const link = startLink(t, { port: sim.port, throughputMsgPerSec: 1_000, ...fastReconnect });
  await boundLegs(link, 1);
  const pending = Array.from({ length: 3 }, () => link.submit(message()));
  await eventually(() => sim.counters.submitsReceived === 3);
  t.is(link.status().inFlight, 3);

  sim.disconnectAll();
  const outcomes = await Promise.all(pending);
  t.deepEqual(outcomes, [
    { kind: 'lost', bind: 'carrier-0#1' },
    { kind: 'lost', bind: 'carrier-0#1' },
    { kind: 'lost', bind: 'carrier-0#1' },
  ]);

  await when(link.pool, 'change', () => link.status().binds[0]?.state === 'bound' && link.status().binds[0]?.reconnects === 1);
  t.is(link.status().binds[0]?.lastClose, 'peer_closed');
  sim.setBehaviour({ responseLatencyMs: { min: 0, max: 0 } });
  t.is((await link.submit(message())).kind, 'accepted');
});

test('a carrier down: submits are unavailable at once; back: binds return and submits are accepted', async (t) => {
  const sim = await simulator(t, { behaviour: { dlr: { mode: 'off' } } });
  const link = startLink(t, { port: sim.port, binds: 2, ...fastReconnect });
  await boundLegs(link, 2);

  await sim.goDown();
  await boundLegs(link, 0);
  t.false(link.available);
  // Resolves while the carrier is still down: it does not wait for a bind.
  const outcome = await link.submit(message());
  t.is(outcome.kind, 'unavailable');
  t.regex(outcome.kind === 'unavailable' ? outcome.reason : '', /no bound transmitter/);
  // The pool keeps trying while the carrier is away.
  await when(link.pool, 'change', () => link.status().binds.every((b) => b.reconnects >= 2));
  t.true(link.status().binds.every((b) => b.lastClose === 'SESSION_CLOSED'), 'connection refused');

  await sim.comeBack();
  await boundLegs(link, 2);
  t.true(link.available);
  t.is((await link.submit(message())).kind, 'accepted');
});

test('a silent carrier: enquire_link goes unanswered, the link is torn down and reconnects', async (t) => {
  const sim = await simulator(t, { behaviour: { dlr: { mode: 'off' } } });
  const link = startLink(t, { port: sim.port, enquireLinkIntervalMs: 200, responseTimeoutMs: 1_000, ...fastReconnect });
  await boundLegs(link, 1);

  sim.setBehaviour({ silent: true });
  await when(link.pool, 'change', () => link.status().binds[0]?.lastClose === 'enquire_link_timeout');
  t.false(link.available);
  // A new connection is made; its bind goes unanswered too and fails on its deadline.
  await when(link.pool, 'change', () => link.status().binds[0]?.lastClose === 'RESPONSE_TIMEOUT');
  t.true(sim.counters.connections >= 2, 'reconnected');

  sim.setBehaviour({ silent: false });
  await boundLegs(link, 1);
  t.is((await link.submit(message())).kind, 'accepted');
});

test('a submit not answered within responseTimeoutMs resolves timeout', async (t) => {
  const sim = await simulator(t, { behaviour: { dlr: { mode: 'off' } } });
  const link = startLink(t, { port: sim.port, responseTimeoutMs: 1_000 });
  await boundLegs(link, 1);
  sim.setBehaviour({ responseLatencyMs: { min: 30_000, max: 30_000 } });
  t.deepEqual(await link.submit(message()), { kind: 'timeout', bind: 'carrier-0#1' });
  t.is(link.status().inFlight, 0);
  t.is(link.status().binds[0]?.state, 'bound', 'a late answer is no reason to drop the bind');
});

test('a carrier that refuses our bind is retried with backoff and never offered a submit', async (t) => {
  const sim = await simulator(t, { accounts: [{ systemId: 'test', password: 'another' }] });
  const link = startLink(t, { port: sim.port, ...fastReconnect });
  await when(link.pool, 'change', () => (link.status().binds[0]?.reconnects ?? 0) >= 2 && link.status().binds[0]?.state === 'backoff');
  t.is(link.status().binds[0]?.lastClose, 'BAD_PASSWORD');
  t.is(sim.counters.bindsRefused, 3);
  t.is((await link.submit(message())).kind, 'unavailable');
  t.is(sim.counters.submitsReceived, 0);
});
