/**
 * Subscribers who answer (behaviour `replies`): an accepted MT to a matching destination
 * brings an MO back from that destination to the MT's source, to the submitting account.
 */
import test from 'ava';
import { ZodError } from 'zod';
import { startSimulator } from '../../simulators/smsc.js';
import type { Pdu } from '../../src/smpp/codec.js';
import { STATUS } from '../../src/smpp/status.js';
import { bindEsme, testNumber } from '../helpers/esme.js';
import { roundTrip } from '../helpers/sim-session.js';

const latin1 = (pdu: Pdu | undefined) => (pdu?.short_message as Buffer | undefined)?.toString('latin1');
const POOL_NUMBER = '998712300001';
const ACCOUNTS = [
  { systemId: 'test', password: 'secret' },
  { systemId: 'other', password: 'secret2' },
];

test('an MT to a destination under a reply prefix is answered from it with its own text, to the submitting account; others are not', async (t) => {
  const sim = await startSimulator({ port: 0, accounts: ACCOUNTS, behaviour: { dlr: { mode: 'off' }, replies: { enabled: true, destinationPrefixes: ['+9989077'] } } });
  t.teardown(() => sim.close());
  // 'test' binds a receiver first, so an MO with no account named would go to it.
  const bystander = await bindEsme({ port: sim.port, mode: 'receiver' });
  t.teardown(() => bystander.close());
  const tx = await bindEsme({ port: sim.port, systemId: 'other', password: 'secret2', mode: 'transmitter' });
  t.teardown(() => tx.close());
  const rx = await bindEsme({ port: sim.port, systemId: 'other', password: 'secret2', mode: 'receiver' });
  t.teardown(() => rx.close());

  const mt = (destination_addr: string, body: string) =>
    tx.submit({ source_addr: POOL_NUMBER, source_addr_ton: 1, source_addr_npi: 1, destination_addr, short_message: Buffer.from(body, 'latin1') });
  const silent = testNumber(1_000_000); // 998901…: no prefix matches
  const answering = testNumber(7_700_123); // 9989077…
  t.is((await mt(silent, 'nobody answers this')).command_status, STATUS.ESME_ROK);
  t.is((await mt(answering, 'where are you?')).command_status, STATUS.ESME_ROK);

  // MO go out in order: had the first MT been answered, its reply would come first.
  const [reply] = await rx.nextDelivers(1);
  t.is(reply?.source_addr, answering, 'from the subscriber');
  t.is(reply?.destination_addr, POOL_NUMBER, 'to the number the MT came from');
  t.is(latin1(reply), 'where are you?');
  t.is(reply?.esm_class, 0, 'an MO, not a receipt');
  t.is(await roundTrip(rx.session), STATUS.ESME_ROK);
  t.is(sim.counters.repliesQueued, 1);
  t.is(sim.counters.repliesSent, 1, 'counted once its deliver_sm_resp came');
  t.is(sim.counters.mosSent, 1, 'a reply is an MO like any other');
});

test('replies set while running: a configured text, a UCS2 echo, no reply to an alphanumeric sender, bad settings refused', async (t) => {
  const sim = await startSimulator({ port: 0 });
  t.teardown(() => sim.close());
  const esme = await bindEsme({ port: sim.port });
  t.teardown(() => esme.close());
  t.false(sim.behaviour.replies.enabled, 'off by default');
  t.throws(() => sim.setBehaviour({ replies: { destinationPrefixes: ['99a'] } }), { instanceOf: ZodError });
  sim.setBehaviour({ dlr: { mode: 'off' }, replies: { enabled: true, text: 'STOP' } });

  const subscriber = testNumber();
  const alphanumeric = await esme.submit({ source_addr: 'ACME', source_addr_ton: 5, destination_addr: subscriber, short_message: Buffer.from('promo') });
  t.is(alphanumeric.command_status, STATUS.ESME_ROK);
  await esme.submit({ source_addr: POOL_NUMBER, source_addr_ton: 1, destination_addr: subscriber, short_message: Buffer.from('hello') });
  const [configured] = await esme.nextDelivers(1);
  t.is(configured?.source_addr, subscriber);
  t.is(configured?.destination_addr, POOL_NUMBER);
  t.is(latin1(configured), 'STOP');

  sim.setBehaviour({ replies: { text: undefined } });
  t.true(sim.behaviour.replies.enabled, 'a patch keeps the settings it does not name');
  const cyrillic = 'Салом, қаердасиз?';
  await esme.submit({ source_addr: POOL_NUMBER, source_addr_ton: 1, destination_addr: subscriber, data_coding: 0x08, short_message: Buffer.from(cyrillic, 'utf16le').swap16() });
  const [echo] = await esme.nextDelivers(1);
  t.is(echo?.data_coding, 0x08);
  t.is(Buffer.from(echo!.short_message as Buffer).swap16().toString('utf16le'), cyrillic);
  t.is(sim.counters.repliesQueued, 2, 'the alphanumeric sender got none');
});
