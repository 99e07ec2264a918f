/**
 * A long message through the gateway: one submit_sm with message_payload from the client,
 * delivered to simulated carriers in each carrier's form (UDH parts, SAR parts, one
 * message_payload), with one message id and one receipt for the client.
 */
import test from 'ava';
import { STATUS } from '../../src/smpp/status.js';
import { startClientSide } from '../helpers/clients.js';
import { bindEsme, quietLogger, testNumber } from '../helpers/esme.js';
import { ReceiptForwarder } from '../../src/upstream/receipt-forwarder.js';
import { tempFiles } from '../helpers/temp-files.js';
import { carrierUp } from '../helpers/gateway.js';

const files = tempFiles('long-messages');
const ACME = { systemId: 'acme', password: 'acme-pw' };
/** 400 GSM characters: 3 UDH parts of 153, 3 SAR parts of 160, or one message_payload. */
const TEXT = 'Salom! '.repeat(57) + 'x';

const carriers = [
  { name: 'udh', profile: { longMessages: 'udh' } },
  { name: 'sar', profile: { longMessages: 'sar' } },
  { name: 'pay', profile: { longMessages: 'payload', acceptsMessagePayload: true } },
  { name: 'tiny', profile: { longMessages: 'udh', maxParts: 2 } },
];
// Each carrier gets the destinations under its own prefix.
const prefixOf = { udh: '9989011', sar: '9989022', pay: '9989033', tiny: '9989044' } as const;
const SHARED_PREFIX = '9989055';
const routes = [
  ...carriers.map((c) => ({ name: c.name, match: { destinationPrefixes: [prefixOf[c.name as keyof typeof prefixOf]] }, failover: [c.name] })),
  { name: 'shared', match: { destinationPrefixes: [SHARED_PREFIX] }, loadShare: [{ carrier: 'udh', weight: 1 }, { carrier: 'sar', weight: 1 }] },
];

async function setup(t: Parameters<typeof startClientSide>[0]) {
  const side = await startClientSide(t, files, { accounts: [ACME], carriers, routes });
  const receipts = new ReceiptForwarder({ store: side.gateway.store, listener: side.listener, directory: side.directory, windowSize: 10, retentionMs: 3_600_000, logger: quietLogger });
  receipts.start();
  t.teardown(() => receipts.stop());
  for (const c of carriers) await carrierUp(side.gateway, c.name);
  const esme = await bindEsme({ port: side.listener.port, ...ACME, mode: 'transceiver' });
  t.teardown(() => esme.close());
  const submit = async (prefix: string) => {
    const resp = await esme.submit({ source_addr: 'ACME', source_addr_ton: 5, destination_addr: `${prefix}${testNumber().slice(-5)}`, registered_delivery: 1, message_payload: Buffer.from(TEXT, 'latin1') });
    t.is(resp.command_status, STATUS.ESME_ROK);
    return String(resp.message_id);
  };
  return { ...side, esme, submit };
}

test('a long message reaches UDH, SAR and payload carriers in their form, and the client gets one receipt each', async (t) => {
  const { sims, esme, submit, finals } = await setup(t);
  const ids = [await submit(prefixOf.udh), await submit(prefixOf.sar), await submit(prefixOf.pay)];
  const states = await finals(ids);
  t.deepEqual([...ids].map((id) => states.get(id)), ['DELIVERED', 'DELIVERED', 'DELIVERED']);

  const udh = sims.get('udh')!.messages.list();
  t.is(udh.length, 3);
  const references = new Set<string>();
  udh.forEach((m, i) => {
    t.is(m.esm_class & 0x40, 0x40, 'UDHI');
    const octets = Buffer.from(m.short_message_hex, 'hex');
    t.deepEqual([...octets.subarray(0, 3)], [5, 0, 3], '8-bit concatenation IE');
    references.add(octets[3]!.toString());
    t.deepEqual([octets[4], octets[5]], [3, i + 1], 'total and sequence');
  });
  t.is(references.size, 1);
  t.is(udh.map((m) => Buffer.from(m.short_message_hex, 'hex').subarray(6).toString('latin1')).join(''), TEXT, 'the parts join to the text');

  const sar = sims.get('sar')!.messages.list();
  t.deepEqual(sar.map((m) => [m.tlvs.sar_total_segments, m.tlvs.sar_segment_seqnum]), [[3, 1], [3, 2], [3, 3]]);
  t.is(sar.map((m) => Buffer.from(m.short_message_hex, 'hex').toString('latin1')).join(''), TEXT);

  const pay = sims.get('pay')!.messages.list();
  t.is(pay.length, 1);
  t.is(Buffer.from(pay[0]!.short_message_hex, 'hex').toString('latin1'), TEXT);

  const receipts = await esme.nextDelivers(3);
  t.deepEqual(receipts.map((r) => r.receipted_message_id).sort(), [...ids].sort(), 'one receipt per message, not per part');
});

test('a message over the carrier maxParts is refused before anything is sent, and its receipt says REJECTED', async (t) => {
  const { sims, esme, submit, finals } = await setup(t);
  const id = await submit(prefixOf.tiny);
  t.is((await finals([id])).get(id), 'REJECTED');
  t.is(sims.get('tiny')!.messages.list().length, 0);
  const [receipt] = await esme.nextDelivers(1);
  t.is(receipt!.receipted_message_id, id);
  t.regex(String(receipt!.short_message), /stat:REJECTD err:001/);
});

test('the parts of a message the client split itself each get an id and a receipt, and share one load-shared carrier', async (t) => {
  const { sims, esme, finals } = await setup(t);
  const messages = 6;
  const ids: string[] = [];
  for (let m = 0; m < messages; m++) {
    const destination = `${SHARED_PREFIX}${String(m).padStart(5, '0')}`;
    for (let seq = 1; seq <= 3; seq++) {
      const udh = Buffer.from([5, 0, 3, 40 + m, 3, seq]);
      const resp = await esme.submit({ source_addr: 'ACME', source_addr_ton: 5, destination_addr: destination, registered_delivery: 1, esm_class: 0x40, short_message: Buffer.concat([udh, Buffer.from(`part ${seq}`)]) });
      t.is(resp.command_status, STATUS.ESME_ROK);
      ids.push(String(resp.message_id));
    }
  }
  t.is(new Set(ids).size, messages * 3, 'an id per part');
  const states = await finals(ids);
  t.true([...states.values()].every((s) => s === 'DELIVERED'));
  const carrierOf = new Map<string, Set<string>>();
  for (const name of ['udh', 'sar']) {
    for (const m of sims.get(name)!.messages.list()) {
      if (!m.destination_addr.startsWith(SHARED_PREFIX)) continue;
      t.is(m.esm_class & 0x40, 0x40, 'sent as it came');
      carrierOf.set(m.destination_addr, (carrierOf.get(m.destination_addr) ?? new Set()).add(name));
    }
  }
  t.is(carrierOf.size, messages);
  for (const [destination, names] of carrierOf) t.is(names.size, 1, `the parts to …${destination.slice(-3)} went through one carrier`);
  const receipts = await esme.nextDelivers(messages * 3);
  t.is(new Set(receipts.map((r) => r.receipted_message_id)).size, messages * 3, 'a receipt per part');
});
