/**
 * A carrier link against the simulator over real sockets: binds come up in both bind
 * modes and over TLS, a submit carries the message to the carrier and comes back with its
 * id, 0x58 slows the pacer, and the window is never exceeded.
 */
import test, { type ExecutionContext } from 'ava';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startSimulator, type SimulatorOptions } from '../../simulators/smsc.js';
import { createCertificateAuthority, issueServerCertificate } from '../../src/keys/tls-material.js';
import { STATUS } from '../../src/smpp/status.js';
import type { Pdu } from '../../src/smpp/codec.js';
import type { SubmitOutcome } from '../../src/messages/types.js';
import { boundLegs, message, startLink, when } from '../helpers/carriers.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('carrier-link');

async function simulator(t: ExecutionContext, options: SimulatorOptions = {}) {
  const sim = await startSimulator({ port: 0, ...options });
  t.teardown(() => sim.close());
  return sim;
}

function accepted(t: ExecutionContext, outcome: SubmitOutcome): string {
  if (outcome.kind !== 'accepted') {
    t.fail(`expected accepted, got ${JSON.stringify(outcome)}`);
    return '';
  }
  return outcome.carrierMessageIds[0]!;
}

test('N transceiver binds come up, and a submit is accepted with the carrier’s message id', async (t) => {
  const sim = await simulator(t, { behaviour: { dlr: { mode: 'off' } } });
  const link = startLink(t, { port: sim.port, binds: 3 });
  await boundLegs(link, 3);
  t.deepEqual(sim.binds().map((b) => [b.systemId, b.state]), [['test', 'bound_trx'], ['test', 'bound_trx'], ['test', 'bound_trx']]);
  t.true(link.available);

  const m = message({ destinationAddr: '998901112233', shortMessage: Buffer.from('hi there'), tlvs: { user_message_reference: 7 } });
  const outcome = await link.submit(m);
  const id = accepted(t, outcome);
  const record = sim.messages.get(id);
  t.truthy(record, 'the carrier has the message under the id we got');
  t.is(record?.destination_addr, '998901112233');
  t.is(record?.short_message_hex, Buffer.from('hi there').toString('hex'));
  t.is(record?.registered_delivery, 1, 'a receipt is always requested, though the client asked for none');
  t.is(record?.tlvs.user_message_reference, 7, 'TLVs pass through');
  t.regex(outcome.kind === 'accepted' ? outcome.bind : '', /^carrier-0#[123]$/);
});

test('submits go round-robin over the binds', async (t) => {
  const sim = await simulator(t, { behaviour: { dlr: { mode: 'off' } } });
  const link = startLink(t, { port: sim.port, binds: 2, throughputMsgPerSec: 1_000 });
  await boundLegs(link, 2);
  const outcomes = await Promise.all(Array.from({ length: 4 }, () => link.submit(message())));
  const binds = outcomes.map((o) => (o.kind === 'accepted' ? o.bind : o.kind));
  t.deepEqual([...new Set(binds)].sort(), ['carrier-0#1', 'carrier-0#2']);
});

test('transmitter+receiver opens a transmitter and a receiver per slot; MO arrives on the receiver', async (t) => {
  const sim = await simulator(t, { behaviour: { dlr: { mode: 'off' } } });
  const delivered: Pdu[] = [];
  let onMo: () => void = () => undefined;
  const link = startLink(
    t,
    { port: sim.port, binds: 2, bindMode: 'transmitter+receiver' },
    {
      onDeliver: (pdu, respond) => {
        delivered.push(pdu);
        respond(STATUS.ESME_ROK);
        onMo();
      },
    },
  );
  await boundLegs(link, 4);
  t.deepEqual(sim.binds().map((b) => b.state).sort(), ['bound_rx', 'bound_rx', 'bound_tx', 'bound_tx']);
  t.is(link.pool.boundTransmitters, 2);
  t.deepEqual(link.status().binds.map((b) => `${b.slot}.${b.mode}`), ['1.transmitter', '1.receiver', '2.transmitter', '2.receiver']);

  const outcome = await link.submit(message());
  t.regex(outcome.kind === 'accepted' ? outcome.bind : outcome.kind, /^carrier-0#[12]\.tx$/);

  const arrived = new Promise<void>((resolve) => (onMo = resolve));
  sim.injectMo({ from: '998907654321', to: '12345', text: 'reply' });
  await arrived;
  t.is(delivered.length, 1);
  t.is(String(delivered[0]!.destination_addr), '12345');
});

test('TLS: the link trusts the carrier through caFile and binds', async (t) => {
  const ca = await createCertificateAuthority({ commonName: 'carrier CA', validDays: 1 });
  const cert = await issueServerCertificate(ca, { commonName: 'localhost', hosts: ['localhost', '127.0.0.1'], validDays: 1 });
  writeFileSync(path.join(files.dir, 'carrier-ca.pem'), ca.certPem);
  const sim = await simulator(t, { tls: { port: 0, cert: cert.certPem, key: cert.keyPem }, behaviour: { dlr: { mode: 'off' } } });
  // caFile is relative: it resolves against the configuration's directory.
  const link = startLink(t, { port: sim.tlsPort, tls: { enabled: true, caFile: 'carrier-ca.pem' } }, { configDir: files.dir });
  await boundLegs(link, 1);
  t.is(sim.counters.bindsAccepted, 1);
  accepted(t, await link.submit(message()));
});

test('TLS: a carrier certificate the CA did not sign is refused and never bound', async (t) => {
  const ca = await createCertificateAuthority({ commonName: 'carrier CA', validDays: 1 });
  const otherCa = await createCertificateAuthority({ commonName: 'someone else', validDays: 1 });
  const cert = await issueServerCertificate(otherCa, { commonName: 'localhost', hosts: ['127.0.0.1'], validDays: 1 });
  writeFileSync(path.join(files.dir, 'trusted-ca.pem'), ca.certPem);
  const sim = await simulator(t, { tls: { port: 0, cert: cert.certPem, key: cert.keyPem } });
  const link = startLink(t, { port: sim.tlsPort, tls: { enabled: true, caFile: 'trusted-ca.pem' }, reconnect: { initialDelayMs: 50, maxDelayMs: 100 } }, { configDir: files.dir });
  await when(link.pool, 'change', () => link.status().binds[0]?.state === 'backoff');
  t.is(link.status().binds[0]?.lastClose, 'SESSION_CLOSED', 'the handshake failed');
  t.is(sim.counters.connections, 0, 'no session was ever opened on the carrier');
  t.is((await link.submit(message())).kind, 'unavailable');
});

test('0x58 slows the pacer; resubmitting the throttled ones gets every message through', async (t) => {
  // The carrier takes 5 msg/s; we are configured for 100.
  const sim = await simulator(t, { behaviour: { throughputPerAccount: 5, dlr: { mode: 'off' } } });
  const link = startLink(t, { port: sim.port, throughputMsgPerSec: 100 });
  await boundLegs(link, 1);
  let throttled = 0;
  const sendUntilAccepted = async (): Promise<SubmitOutcome> => {
    for (let attempt = 0; attempt < 500; attempt++) {
      const outcome = await link.submit(message());
      if (outcome.kind !== 'rejected' || outcome.status !== STATUS.ESME_RTHROTTLED) return outcome;
      throttled++;
    }
    throw new Error('never accepted');
  };
  const outcomes = await Promise.all(Array.from({ length: 15 }, () => sendUntilAccepted()));
  t.deepEqual([...new Set(outcomes.map((o) => o.kind))], ['accepted']);
  t.true(throttled > 0, 'the carrier did throttle');
  t.is(sim.counters.throttled, throttled);
  t.is(sim.counters.submitsAccepted, 15);
  t.true(link.status().rate < 100, `the rate fell to ${link.status().rate}`);
});

test('the window is respected: never more than `window` submits outstanding on a bind', async (t) => {
  // Responses are held, so a link that ignored its window would have all 30 outstanding.
  const sim = await simulator(t, { behaviour: { responseLatencyMs: { min: 100, max: 100 }, dlr: { mode: 'off' } } });
  const link = startLink(t, { port: sim.port, window: 3, throughputMsgPerSec: 1_000 });
  await boundLegs(link, 1);
  const outcomes = await Promise.all(Array.from({ length: 30 }, () => link.submit(message())));
  t.deepEqual([...new Set(outcomes.map((o) => o.kind))], ['accepted']);
  t.is(sim.counters.submitsAccepted, 30);
  t.is(sim.counters.queueFull, 0);
  t.is(sim.counters.maxOutstanding, 3, 'the window was filled, and never exceeded');
});
