import test from 'ava';
import type { Gateway } from '../../src/main.js';
import type { PduFields } from '../../src/smpp/codec.js';
import { STATUS } from '../../src/smpp/status.js';
import { startClientSide } from '../helpers/clients.js';
import { bindEsme, testNumber } from '../helpers/esme.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('client-messages');
const ACME = { systemId: 'acme', password: 'acme-pw' };
const OTHER = { systemId: 'other', password: 'other-pw' };

function sms(fields: PduFields = {}): PduFields {
  return { source_addr_ton: 1, source_addr_npi: 1, source_addr: '998712000001', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: testNumber(), registered_delivery: 1, short_message: Buffer.from('hello'), ...fields };
}

/** Waits until the gateway has seen its carrier go away, so nothing is dispatched. */
async function carrierGone(gateway: Gateway, name: string): Promise<void> {
  while (gateway.carriers.isAvailable(name)) await new Promise((r) => setTimeout(r, 10));
}

test('a submit_sm is answered with our id once stored, and the message is delivered', async (t) => {
  const { listener, gateway, sims, finals } = await startClientSide(t, files, { accounts: [ACME] });
  const esme = await bindEsme({ port: listener.port, systemId: 'acme', password: 'acme-pw', mode: 'transmitter' });
  t.teardown(() => esme.close());
  const destination = testNumber();
  const resp = await esme.submit(sms({ destination_addr: destination, source_addr_ton: 5, source_addr: 'AcmeBank', data_coding: 8, short_message: Buffer.from('0048', 'hex') }));
  t.is(resp.command_status, STATUS.ESME_ROK);
  const id = String(resp.message_id);
  t.regex(id, /^[0-9a-f]{16}$/);
  // Durable first: the store knows the id the moment the client has it.
  t.is(gateway.status(id)?.account, 'acme');
  t.is((await finals([id])).get(id), 'DELIVERED');
  const sent = sims.get('alpha')!.messages.list();
  t.is(sent.length, 1);
  t.like(sent[0], { destination_addr: destination, source_addr: 'AcmeBank', data_coding: 8, short_message_hex: '0048', registered_delivery: 1 });
});

test('bad source, destination, length, UDH and SAR are refused with 0x0A, 0x0B, 0x01, 0x43, 0xC4 and nothing is stored', async (t) => {
  const { listener, sims, finals } = await startClientSide(t, files, { accounts: [ACME] });
  const esme = await bindEsme({ port: listener.port, systemId: 'acme', password: 'acme-pw' });
  t.teardown(() => esme.close());
  t.is((await esme.submit(sms({ source_addr: '' }))).command_status, STATUS.ESME_RINVSRCADR);
  t.is((await esme.submit(sms({ source_addr_ton: 5, source_addr: 'TwelveLetter' }))).command_status, STATUS.ESME_RINVSRCADR);
  t.is((await esme.submit(sms({ destination_addr: '' }))).command_status, STATUS.ESME_RINVDSTADR);
  t.is((await esme.submit(sms({ destination_addr: 'call-me' }))).command_status, STATUS.ESME_RINVDSTADR);
  t.is((await esme.submit(sms({ short_message: Buffer.from('hi'), message_payload: Buffer.from('there') }))).command_status, STATUS.ESME_RINVMSGLEN);
  t.is((await esme.submit(sms({ data_coding: 8, short_message: Buffer.from('004800', 'hex') }))).command_status, STATUS.ESME_RINVMSGLEN, 'odd-length UCS2');
  t.is((await esme.submit(sms({ esm_class: 0x40, short_message: Buffer.from('0b00030a0201', 'hex') }))).command_status, STATUS.ESME_RINVESMCLASS, 'a UDH longer than the message');
  const sar = { sar_msg_ref_num: 9, sar_total_segments: 2, sar_segment_seqnum: 0 };
  t.is((await esme.submit(sms(sar))).command_status, STATUS.ESME_RINVTLVVAL, 'SAR part number 0');
  // The refused ones never reached the store, so the one good submit is all the carrier gets.
  const ok = await esme.submit(sms());
  t.is(ok.command_status, STATUS.ESME_ROK);
  t.is((await finals([String(ok.message_id)])).get(String(ok.message_id)), 'DELIVERED');
  t.is(sims.get('alpha')!.counters.submitsReceived, 1);
});

test('a burst over the account throughput gets 0x58 for the excess, and only accepted submits are stored', async (t) => {
  const { listener, gateway, sims, finals } = await startClientSide(t, files, { accounts: [{ ...ACME, throughputMsgPerSec: 5 }] });
  const esme = await bindEsme({ port: listener.port, systemId: 'acme', password: 'acme-pw', windowSize: 100 });
  t.teardown(() => esme.close());
  const resps = await Promise.all(Array.from({ length: 60 }, () => esme.submit(sms())));
  const accepted = resps.filter((r) => r.command_status === STATUS.ESME_ROK);
  const throttled = resps.filter((r) => r.command_status === STATUS.ESME_RTHROTTLED);
  t.is(accepted.length + throttled.length, 60);
  t.true(throttled.length > 0);
  t.true(accepted.length >= 5);
  const ids = accepted.map((r) => String(r.message_id));
  t.is(new Set(ids).size, ids.length);
  t.true(ids.every((id) => gateway.status(id)?.account === 'acme'));
  t.true(throttled.every((r) => r.message_id === undefined || r.message_id === ''));
  t.deepEqual([...new Set((await finals(ids)).values())], ['DELIVERED']);
  t.is(sims.get('alpha')!.counters.submitsReceived, accepted.length);
});

test('at maxQueued messages not final the account gets 0x14; the limit is per account', async (t) => {
  const { listener, gateway, sims } = await startClientSide(t, files, { accounts: [{ ...ACME, maxQueued: 3 }, OTHER] });
  await sims.get('alpha')!.goDown();
  await carrierGone(gateway, 'alpha');
  const acme = await bindEsme({ port: listener.port, systemId: 'acme', password: 'acme-pw' });
  const other = await bindEsme({ port: listener.port, systemId: 'other', password: 'other-pw' });
  t.teardown(() => Promise.all([acme.close(), other.close()]));
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await acme.submit(sms())).command_status);
  t.deepEqual(statuses, [STATUS.ESME_ROK, STATUS.ESME_ROK, STATUS.ESME_ROK, STATUS.ESME_RMSGQFUL, STATUS.ESME_RMSGQFUL]);
  t.is((await other.submit(sms())).command_status, STATUS.ESME_ROK);
});

test('a cancelled message frees its queue slot', async (t) => {
  const { listener, gateway, sims } = await startClientSide(t, files, { accounts: [{ ...ACME, maxQueued: 1 }] });
  await sims.get('alpha')!.goDown();
  await carrierGone(gateway, 'alpha');
  const esme = await bindEsme({ port: listener.port, systemId: 'acme', password: 'acme-pw' });
  t.teardown(() => esme.close());
  const first = await esme.submit(sms());
  t.is((await esme.submit(sms())).command_status, STATUS.ESME_RMSGQFUL);
  t.is((await esme.session.request('cancel_sm', { message_id: first.message_id, source_addr: '998712000001' })).command_status, STATUS.ESME_ROK);
  t.is((await esme.submit(sms())).command_status, STATUS.ESME_ROK);
});

test('query_sm answers the state of the account own messages only; another account gets 0x67', async (t) => {
  const { listener, finals } = await startClientSide(t, files, { accounts: [ACME, OTHER] });
  const acme = await bindEsme({ port: listener.port, systemId: 'acme', password: 'acme-pw' });
  const other = await bindEsme({ port: listener.port, systemId: 'other', password: 'other-pw' });
  t.teardown(() => Promise.all([acme.close(), other.close()]));
  const id = String((await acme.submit(sms())).message_id);
  await finals([id]);
  const own = await acme.session.request('query_sm', { message_id: id, source_addr: '998712000001' });
  t.is(own.command_status, STATUS.ESME_ROK);
  t.is(own.message_id, id);
  t.is(own.message_state, 2); // DELIVERED
  t.regex(String(own.final_date), /^\d{12}000\+$/);
  t.is(own.error_code, 0);
  const foreign = await other.session.request('query_sm', { message_id: id, source_addr: '998712000001' });
  t.is(foreign.command_status, STATUS.ESME_RQUERYFAIL);
  const unknown = await acme.session.request('query_sm', { message_id: '0123456789abcdef', source_addr: '998712000001' });
  t.is(unknown.command_status, STATUS.ESME_RQUERYFAIL);
});

test('cancel_sm deletes a queued message; after delivery, or for another account, it gets 0x11', async (t) => {
  const { listener, gateway, sims, finals } = await startClientSide(t, files, { accounts: [ACME, OTHER] });
  const alpha = sims.get('alpha')!;
  await alpha.goDown();
  await carrierGone(gateway, 'alpha');
  const acme = await bindEsme({ port: listener.port, systemId: 'acme', password: 'acme-pw' });
  const other = await bindEsme({ port: listener.port, systemId: 'other', password: 'other-pw' });
  t.teardown(() => Promise.all([acme.close(), other.close()]));
  const queued = String((await acme.submit(sms())).message_id);
  const cancel = (esme: typeof acme, id: string) => esme.session.request('cancel_sm', { message_id: id, source_addr: '998712000001', destination_addr: '' });

  t.is((await cancel(other, queued)).command_status, STATUS.ESME_RCANCELFAIL);
  t.is((await cancel(acme, queued)).command_status, STATUS.ESME_ROK);
  t.is(gateway.status(queued)?.state, 'DELETED');
  const query = await acme.session.request('query_sm', { message_id: queued, source_addr: '998712000001' });
  t.is(query.message_state, 4); // DELETED
  t.is((await cancel(acme, queued)).command_status, STATUS.ESME_RCANCELFAIL);

  await alpha.comeBack();
  const delivered = String((await acme.submit(sms())).message_id);
  t.is((await finals([delivered])).get(delivered), 'DELIVERED');
  t.is((await cancel(acme, delivered)).command_status, STATUS.ESME_RCANCELFAIL);
  t.is(alpha.counters.submitsReceived, 1); // the cancelled one never left
});

test('query_sm of a queued message answers ENROUTE with no final date', async (t) => {
  const { listener, gateway, sims } = await startClientSide(t, files, { accounts: [ACME] });
  await sims.get('alpha')!.goDown();
  await carrierGone(gateway, 'alpha');
  const esme = await bindEsme({ port: listener.port, systemId: 'acme', password: 'acme-pw' });
  t.teardown(() => esme.close());
  const id = String((await esme.submit(sms())).message_id);
  const resp = await esme.session.request('query_sm', { message_id: id, source_addr: '998712000001' });
  t.is(resp.command_status, STATUS.ESME_ROK);
  t.is(resp.message_state, 1);
  t.is(resp.final_date, '');
});
