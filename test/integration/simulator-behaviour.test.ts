import test, { type ExecutionContext } from 'ava';
import { startSimulator, type SimulatorOptions } from '../../simulators/smsc.js';
import type { BehaviourInput } from '../../src/config/simulator-schema.js';
import { GatewayError } from '../../src/errors.js';
import type { Pdu } from '../../src/smpp/codec.js';
import { STATUS } from '../../src/smpp/status.js';
import { bindEsme, testNumber, type TestEsme } from '../helpers/esme.js';
import { bindSession, roundTrip, whenClosed } from '../helpers/sim-session.js';

async function setup(t: ExecutionContext, behaviour: BehaviourInput = {}, options: SimulatorOptions = {}) {
  const sim = await startSimulator({ port: 0, behaviour, ...options });
  t.teardown(() => sim.close());
  const esme = await bindEsme({ port: sim.port });
  t.teardown(() => esme.close());
  return { sim, esme };
}

const text = (pdu: Pdu | undefined) => (pdu?.short_message as Buffer | undefined)?.toString('latin1') ?? '';
const stat = (pdu: Pdu | undefined) => /stat:(\w+)/.exec(text(pdu))?.[1];

function submit(esme: TestEsme, registered_delivery = 1, destination_addr = testNumber(), body = 'hello') {
  return esme.submit({ source_addr: 'ACME', destination_addr, registered_delivery, short_message: Buffer.from(body) });
}

test('message ids are hex or decimal as configured', async (t) => {
  const { sim, esme } = await setup(t, { messageIdFormat: 'decimal', dlr: { mode: 'off' } });
  const decimal = await Promise.all([submit(esme), submit(esme)]);
  sim.setBehaviour({ messageIdFormat: 'hex' });
  const hex = await Promise.all([submit(esme), submit(esme)]);
  for (const r of decimal) t.regex(String(r.message_id), /^\d+$/);
  for (const r of hex) t.regex(String(r.message_id), /^[0-9A-F]+$/);
  t.true(hex.some((r) => /[A-F]/.test(String(r.message_id))), 'hex ids use hex digits');
  for (const r of [...decimal, ...hex]) t.truthy(sim.messages.get(String(r.message_id)));
});

test('a burst over throughputPerAccount is answered with 0x58, and only the excess', async (t) => {
  const { sim, esme } = await setup(t, { throughputPerAccount: 2, dlr: { mode: 'off' } });
  // At 2 msg/s the bucket holds 2 tokens: all 30 would pass only if the burst took ~14 s.
  const statuses = (await Promise.all(Array.from({ length: 30 }, () => submit(esme)))).map((r) => r.command_status);
  const throttled = statuses.filter((s) => s === STATUS.ESME_RTHROTTLED).length;
  const ok = statuses.filter((s) => s === STATUS.ESME_ROK).length;
  t.true(throttled > 0);
  t.true(ok >= 1, 'the first submit has a token');
  t.is(ok + throttled, 30, 'nothing but OK or 0x58');
  t.is(sim.counters.throttled, throttled);
  t.is(sim.counters.submitsAccepted, ok);
});

test('submits beyond the window get 0x14 until responses free it', async (t) => {
  // Responses are held 500 ms; our client writes the five submits in one tick (one corked
  // write), so the simulator reads all five before it can answer any.
  const { sim, esme } = await setup(t, { window: 2, responseLatencyMs: { min: 500, max: 500 }, dlr: { mode: 'off' } });
  const statuses = (await Promise.all(Array.from({ length: 5 }, () => submit(esme)))).map((r) => r.command_status);
  t.deepEqual(statuses, [STATUS.ESME_ROK, STATUS.ESME_ROK, STATUS.ESME_RMSGQFUL, STATUS.ESME_RMSGQFUL, STATUS.ESME_RMSGQFUL]);
  t.is(sim.counters.queueFull, 3);
  t.is((await submit(esme)).command_status, STATUS.ESME_ROK, 'answered submits free the window');
});

test('errorInjection at 100 % answers every submit with its status', async (t) => {
  const { sim, esme } = await setup(t, { errorInjection: { percent: 100, status: 0x08 } });
  const statuses = (await Promise.all(Array.from({ length: 5 }, () => submit(esme)))).map((r) => r.command_status);
  t.deepEqual(statuses, [0x08, 0x08, 0x08, 0x08, 0x08]);
  t.is(sim.counters.injectedErrors, 5);
  t.is(sim.counters.submitsAccepted, 0);
  t.is(sim.counters.dlrsQueued, 0);
});

test('a silent simulator reads a submit and never answers', async (t) => {
  const sim = await startSimulator({ port: 0 });
  t.teardown(() => sim.close());
  // One timeout serves the bind and the unanswered submit: long enough for a loaded machine's bind.
  const session = await bindSession({ port: sim.port, responseTimeoutMs: 2_000 });
  t.teardown(() => session.destroy('local'));
  sim.setBehaviour({ silent: true });
  const err = await t.throwsAsync(session.request('submit_sm', { destination_addr: testNumber(), short_message: Buffer.from('anyone?') }), { instanceOf: GatewayError });
  t.is(err?.code, 'RESPONSE_TIMEOUT');
  t.is(sim.counters.submitsReceived, 1, 'the submit was read');
  const link = await t.throwsAsync(session.request('enquire_link'), { instanceOf: GatewayError });
  t.is(link?.code, 'RESPONSE_TIMEOUT', 'not even enquire_link is answered');
});

test('disconnectAfterPdus drops the connection at the Nth request, unanswered', async (t) => {
  const sim = await startSimulator({ port: 0, behaviour: { disconnectAfterPdus: 3 } });
  t.teardown(() => sim.close());
  const esme = await bindEsme({ port: sim.port }); // request 1
  t.teardown(() => esme.close());
  const closed = whenClosed(esme.session);
  t.is((await submit(esme)).command_status, STATUS.ESME_ROK); // request 2
  const err = await t.throwsAsync(submit(esme), { instanceOf: GatewayError }); // request 3
  t.is(err?.code, 'SESSION_CLOSED');
  t.is((await closed)?.reason, 'peer_closed');
  t.is(sim.counters.submitsReceived, 1);
});

test('an outcome mix of UNDELIV 100 % makes every receipt UNDELIV', async (t) => {
  const { esme } = await setup(t, { dlr: { outcomes: { UNDELIV: 100 } } });
  const ids = (await Promise.all(Array.from({ length: 4 }, () => submit(esme)))).map((r) => String(r.message_id));
  const receipts = await esme.nextDelivers(4);
  t.deepEqual(receipts.map((r) => String(r.receipted_message_id)).sort(), [...ids].sort());
  for (const r of receipts) {
    t.is(stat(r), 'UNDELIV');
    t.regex(text(r), /dlvrd:000 .* err:001 /);
    t.is(r.message_state, 5);
  }
});

test('outcome rules by destination prefix beat the mix, the longest prefix winning', async (t) => {
  const { esme } = await setup(t, {
    dlr: {
      outcomes: { UNDELIV: 100 },
      rules: [
        { destinationPrefix: '998901', stat: 'REJECTD', err: 5 },
        { destinationPrefix: '+9989012', stat: 'EXPIRED', err: 27 },
      ],
    },
  });
  const cases = [
    { to: testNumber(1_234_567), stat: 'EXPIRED', state: 3, err: '027' }, // 9989012…: both rules match
    { to: testNumber(1_334_567), stat: 'REJECTD', state: 8, err: '005' }, // 9989013…: the shorter one
    { to: testNumber(2_000_000), stat: 'UNDELIV', state: 5, err: '001' }, // 9989020…: no rule, the mix
  ];
  const ids = await Promise.all(cases.map(async (c) => String((await submit(esme, 1, c.to)).message_id)));
  const receipts = await esme.nextDelivers(cases.length);
  cases.forEach((c, i) => {
    const r = receipts.find((p) => p.receipted_message_id === ids[i]);
    t.is(r?.source_addr, c.to);
    t.is(stat(r), c.stat, c.to);
    t.is(r?.message_state, c.state);
    t.regex(text(r), new RegExp(` err:${c.err} `));
  });
});

test('registered_delivery 0 gets no receipt', async (t) => {
  const { sim, esme } = await setup(t);
  const silent = await submit(esme, 0);
  const asked = await submit(esme, 1);
  // Receipts go out in order on one bind: a receipt for the first would come first.
  const [first] = await esme.nextDelivers(1);
  t.is(first?.receipted_message_id, asked.message_id);
  t.not(first?.receipted_message_id, silent.message_id);
  t.is(sim.counters.dlrsQueued, 1);
  // Unreported is not undelivered: the message still reaches its final state.
  const query = await esme.session.request('query_sm', { message_id: silent.message_id, source_addr: 'ACME' });
  t.is(query.message_state, 2);
});

test('registered_delivery 2 gets a receipt on failure only', async (t) => {
  const { sim, esme } = await setup(t, { dlr: { rules: [{ destinationPrefix: '9989099', stat: 'UNDELIV', err: 1 }] } });
  const delivered = await submit(esme, 2, testNumber(1_000_000));
  const failed = await submit(esme, 2, testNumber(9_900_000));
  const [first] = await esme.nextDelivers(1);
  t.is(first?.receipted_message_id, failed.message_id);
  t.is(stat(first), 'UNDELIV');
  t.is(sim.messages.get(String(delivered.message_id))?.state, 'DELIVERED', 'delivered, just not reported');
  t.is(sim.counters.dlrsQueued, 1);
});

test('with beforeRespPercent 100 the receipt arrives before the submit_sm_resp', async (t) => {
  const { esme } = await setup(t, { dlr: { beforeRespPercent: 100 } });
  const events: string[] = [];
  esme.session.on('request', (pdu) => events.push(`deliver_sm ${String(pdu.receipted_message_id)}`));
  const resp = await submit(esme).then((r) => {
    events.push(`submit_sm_resp ${String(r.message_id)}`);
    return r;
  });
  await esme.nextDelivers(1);
  t.deepEqual(events, [`deliver_sm ${String(resp.message_id)}`, `submit_sm_resp ${String(resp.message_id)}`]);
});

test('with duplicatePercent 100 every receipt comes twice, identical', async (t) => {
  const { sim, esme } = await setup(t, { dlr: { duplicatePercent: 100 } });
  const twice = await submit(esme);
  sim.setBehaviour({ dlr: { duplicatePercent: 0 } });
  const once = await submit(esme);
  // Receipts go out in order: without the copy, the second pair would hold the next receipt.
  const [a, b] = await esme.nextDelivers(2);
  const body = (p: Pdu | undefined) => ({ ...p, sequence_number: 0 });
  t.is(a?.receipted_message_id, twice.message_id);
  t.deepEqual(body(a), body(b));
  const [next] = await esme.nextDelivers(1);
  t.is(next?.receipted_message_id, once.message_id);
  t.is(sim.counters.dlrsQueued, 3);
});

test('query_sm answers ENROUTE while the receipt is pending, DELIVERED after, 0x67 for an unknown id', async (t) => {
  // A receipt ten minutes away is certainly pending; close() clears its timer.
  const { sim, esme } = await setup(t, { dlr: { delayMs: { min: 600_000, max: 600_000 } } });
  const pending = String((await submit(esme)).message_id);
  const enroute = await esme.session.request('query_sm', { message_id: pending, source_addr: 'ACME' });
  t.is(enroute.command_status, STATUS.ESME_ROK);
  t.is(enroute.message_id, pending);
  t.is(enroute.message_state, 1);
  t.is(enroute.final_date, '');

  sim.setBehaviour({ dlr: { delayMs: { min: 0, max: 0 } } });
  const done = String((await submit(esme)).message_id);
  const [receipt] = await esme.nextDelivers(1);
  t.is(receipt?.receipted_message_id, done);
  const delivered = await esme.session.request('query_sm', { message_id: done, source_addr: 'ACME' });
  t.is(delivered.message_state, 2);
  t.regex(String(delivered.final_date), /^\d{10}00000\+$/);

  const unknown = await esme.session.request('query_sm', { message_id: 'FFFFFFFFFF', source_addr: 'ACME' });
  t.is(unknown.command_status, STATUS.ESME_RQUERYFAIL);
  t.is(sim.counters.queries, 3);
});

test('cancel_sm while ENROUTE succeeds and suppresses the receipt; after delivery it gets 0x11', async (t) => {
  // The cancel must land within the delay (one local round trip: 3 s is a wide margin).
  const { sim, esme } = await setup(t, { dlr: { delayMs: { min: 3_000, max: 3_000 } } });
  const cancelled = String((await submit(esme)).message_id);
  const cancel = await esme.session.request('cancel_sm', { message_id: cancelled, source_addr: 'ACME' });
  t.is(cancel.command_status, STATUS.ESME_ROK);
  t.is(sim.messages.get(cancelled)?.state, 'DELETED');
  // Same delay, armed later: had the first receipt survived, it would arrive first.
  const kept = String((await submit(esme)).message_id);
  const [receipt] = await esme.nextDelivers(1);
  t.is(receipt?.receipted_message_id, kept);
  t.is(sim.counters.dlrsQueued, 1);

  const late = await esme.session.request('cancel_sm', { message_id: kept, source_addr: 'ACME' });
  t.is(late.command_status, STATUS.ESME_RCANCELFAIL);
  t.is(sim.messages.get(kept)?.state, 'DELIVERED');
});

test('a receipt owed to an account with no receiver bind is held until one binds', async (t) => {
  const sim = await startSimulator({ port: 0 });
  t.teardown(() => sim.close());
  const tx = await bindEsme({ port: sim.port, mode: 'transmitter' });
  t.teardown(() => tx.close());
  const resp = await submit(tx);
  t.is(resp.command_status, STATUS.ESME_ROK);
  // With no delay the receipt is queued before the response is written.
  t.is(sim.counters.dlrsQueued, 1);
  t.is(sim.counters.dlrsSent, 0);

  const rx = await bindEsme({ port: sim.port, mode: 'receiver' });
  t.teardown(() => rx.close());
  const [receipt] = await rx.nextDelivers(1);
  t.is(receipt?.receipted_message_id, resp.message_id);
  t.is(receipt?.esm_class, 0x04);
  t.is(await roundTrip(rx.session), STATUS.ESME_ROK);
  t.is(sim.counters.dlrsSent, 1, 'the deliver_sm_resp was read before the enquire_link');
});
