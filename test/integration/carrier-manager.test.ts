/**
 * The carrier manager, made from a configuration as the daemon makes it: CarrierPort over
 * named carriers, receipts and MO handed to the owner and answered only when it says so
 * (or with a temporary error when it never does), a missing password caught before any
 * socket opens, and drain unbinding everything.
 */
import test, { type ExecutionContext } from 'ava';
import { startSimulator, type Simulator } from '../../simulators/smsc.js';
import { CarrierManager, type DeliverHandler } from '../../src/carriers/carrier-manager.js';
import { GatewayError } from '../../src/errors.js';
import { STATUS } from '../../src/smpp/status.js';
import type { Pdu } from '../../src/smpp/codec.js';
import { carriersConfig, eventually, message } from '../helpers/carriers.js';
import { quietLogger } from '../helpers/esme.js';

async function simulator(t: ExecutionContext): Promise<Simulator> {
  const sim = await startSimulator({ port: 0, behaviour: { dlr: { mode: 'off' } } });
  t.teardown(() => sim.close());
  return sim;
}

/** A started manager over the given carriers, drained at once in teardown. */
function manager(t: ExecutionContext, carriers: Record<string, unknown>[], handler?: DeliverHandler): CarrierManager {
  const m = new CarrierManager(carriersConfig(carriers), quietLogger);
  if (handler) m.onDeliver(handler);
  m.start();
  t.teardown(() => m.drain(0));
  return m;
}

function bound(m: CarrierManager): Promise<void> {
  return eventually(() => m.status().every((c) => c.binds.every((b) => b.state === 'bound')));
}

/** Inbound PDUs as they reach the owner, with their respond callbacks held. */
function inbox() {
  const items: { carrier: string; pdu: Pdu; respond: (status: number) => void }[] = [];
  const handler: DeliverHandler = (carrier, pdu, respond) => items.push({ carrier, pdu, respond });
  return { items, handler };
}

test('submit routes by carrier name; an unknown carrier is unavailable with the known ones listed', async (t) => {
  const [alpha, beta] = [await simulator(t), await simulator(t)];
  const m = manager(t, [
    { name: 'alpha', port: alpha.port },
    { name: 'beta', port: beta.port },
  ]);
  await bound(m);
  t.true(m.isAvailable('alpha') && m.isAvailable('beta'));
  t.false(m.isAvailable('gamma'));
  t.is((await m.submit('beta', message())).kind, 'accepted');
  t.is(beta.counters.submitsAccepted, 1);
  t.is(alpha.counters.submitsReceived, 0);
  t.deepEqual(await m.submit('gamma', message()), { kind: 'unavailable', reason: 'unknown carrier "gamma"; carriers are: alpha, beta' });
  t.deepEqual(
    m.status().map((c) => [c.name, c.available, c.binds.length]),
    [
      ['alpha', true, 1],
      ['beta', true, 1],
    ],
  );
});

test('a deliver_sm reaches the owner and is answered only when the owner responds', async (t) => {
  const sim = await simulator(t);
  const { items, handler } = inbox();
  const m = manager(t, [{ name: 'alpha', port: sim.port }], handler);
  await bound(m);
  sim.injectMo({ from: '998907654321', to: '12345', text: 'hello back' });
  await eventually(() => items.length === 1);
  t.is(items[0]!.carrier, 'alpha');
  t.is(items[0]!.pdu.command, 'deliver_sm');
  t.is(String(items[0]!.pdu.source_addr), '998907654321');

  // A submit round trip on the same bind: the carrier has read everything we sent before.
  t.is((await m.submit('alpha', message())).kind, 'accepted');
  t.is(sim.counters.mosSent, 0, 'not answered while the owner has not recorded it');

  items[0]!.respond(STATUS.ESME_ROK);
  t.is((await m.submit('alpha', message())).kind, 'accepted');
  t.is(sim.counters.mosSent, 1, 'answered once the owner responded');
  t.is(sim.counters.deliverRetried, 0);
});

test('an inbound PDU the owner never answers gets ESME_RX_T_APPN at the deadline, and the carrier resends it', async (t) => {
  const sim = await simulator(t);
  const { items, handler } = inbox();
  const m = manager(t, [{ name: 'alpha', port: sim.port, responseTimeoutMs: 500 }], handler);
  await bound(m);
  sim.injectMo({ from: '998907654321', to: '12345', text: 'anyone?' });
  await eventually(() => items.length === 2);
  t.is(sim.counters.deliverRetried, 1, 'the carrier saw a temporary error and retried');
  t.deepEqual(items[1]!.pdu.short_message, items[0]!.pdu.short_message, 'the same MO, again');
  items[1]!.respond(STATUS.ESME_ROK);
  items[0]!.respond(STATUS.ESME_ROK); // too late: answered already, a second answer is dropped
  await eventually(() => sim.counters.mosSent === 1);
  t.is(sim.counters.deliverDropped, 0);
});

test('an inbound PDU before any handler is registered gets a temporary error', async (t) => {
  const sim = await simulator(t);
  const m = manager(t, [{ name: 'alpha', port: sim.port }]);
  await bound(m);
  sim.injectMo({ from: '998907654321', to: '12345', text: 'too early' });
  await eventually(() => sim.counters.deliverRetried >= 1);
  t.is(sim.counters.mosSent, 0);
});

test('drain unbinds every bind of every carrier and then refuses submits', async (t) => {
  const [alpha, beta] = [await simulator(t), await simulator(t)];
  const m = manager(t, [
    { name: 'alpha', port: alpha.port, binds: 2 },
    { name: 'beta', port: beta.port, bindMode: 'transmitter+receiver' },
  ]);
  await bound(m);
  t.is(alpha.binds().length + beta.binds().length, 4);
  await m.drain(5_000);
  for (const c of m.status()) {
    for (const b of c.binds) {
      t.is(b.state, 'stopped');
      t.is(b.lastClose, 'unbind', `${c.name} slot ${b.slot} ${b.mode} closed by unbind`);
    }
  }
  await eventually(() => alpha.binds().length === 0 && beta.binds().length === 0);
  t.false(m.isAvailable('alpha'));
  t.deepEqual(await m.submit('alpha', message()), { kind: 'unavailable', reason: 'carrier "alpha" is draining' });
});

test('a missing carrier password stops construction with its fix, before any socket opens', (t) => {
  const config = carriersConfig([{ name: 'alpha', port: 2775, passwordEnv: 'MASKGATE_TEST_UNSET_PASSWORD' }]);
  const err = t.throws(() => new CarrierManager(config, quietLogger), { instanceOf: GatewayError });
  t.is(err?.code, 'SECRET_MISSING');
  t.regex(err!.message, /carrier "alpha": environment variable MASKGATE_TEST_UNSET_PASSWORD is not set/);
});

test('an unreadable tls.caFile stops construction with its fix', (t) => {
  const config = carriersConfig([{ name: 'alpha', port: 3550, tls: { enabled: true, caFile: 'no-such-ca.pem' } }]);
  const err = t.throws(() => new CarrierManager(config, quietLogger), { instanceOf: GatewayError });
  t.is(err?.code, 'CONFIG_UNREADABLE');
  t.regex(err!.message, /carrier "alpha": cannot read tls\.caFile .*no-such-ca\.pem \(ENOENT\)/);
});
