import test, { type ExecutionContext } from 'ava';
import { connectAndBind } from '../../src/smpp/client.js';
import type { Pdu, PduFields } from '../../src/smpp/codec.js';
import { STATUS } from '../../src/smpp/status.js';
import { ReceiptForwarder } from '../../src/upstream/receipt-forwarder.js';
import { startClientSide, type TestClientSide } from '../helpers/clients.js';
import { bindEsme, quietLogger, testNumber } from '../helpers/esme.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('receipt-forwarding');
const ACME = { systemId: 'acme', password: 'acme-pw' };
const RECEIPT_TEXT = /^id:([0-9a-f]{16}) sub:001 dlvrd:(00[01]) submit date:\d{10} done date:\d{10} stat:([A-Z]+) err:(\d{3}) text:$/;
/** The simulator fails every destination under this prefix with UNDELIV err 1. */
const FAILING_PREFIX = '9989099';

/** A destination never under FAILING_PREFIX unless asked (9989099… would be one in a hundred). */
function sms(fields: PduFields = {}): PduFields {
  const destination = testNumber(Math.floor(Math.random() * 9_000_000));
  return { source_addr_ton: 1, source_addr_npi: 1, source_addr: '998712000001', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: destination, registered_delivery: 1, short_message: Buffer.from('hello'), ...fields };
}

/**
 * The client side with the forwarder on it. The safety-net poll is an hour, so a receipt
 * that arrives here was triggered by a final state or a bind, never by the poll.
 */
async function startForwarding(t: ExecutionContext): Promise<TestClientSide & { forwarder: ReceiptForwarder }> {
  const side = await startClientSide(t, files, {
    accounts: [ACME],
    carriers: [{ name: 'alpha', behaviour: { dlr: { rules: [{ destinationPrefix: FAILING_PREFIX, stat: 'UNDELIV', err: 1 }] } } }],
  });
  const forwarder = new ReceiptForwarder({
    store: side.gateway.store,
    listener: side.listener,
    directory: side.directory,
    windowSize: side.config.smpp.windowSize,
    retentionMs: side.config.accountDefaults.dlrRetentionMs,
    logger: quietLogger,
    retry: { baseMs: 20, maxMs: 100 },
    pollMs: 3_600_000,
  });
  forwarder.start();
  t.teardown(() => forwarder.stop());
  return { ...side, forwarder };
}

/** Waits for a condition the test cannot get an event for (a committed delete). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

function receiptOf(pdu: Pdu) {
  const text = Buffer.isBuffer(pdu.short_message) ? pdu.short_message.toString('latin1') : String(pdu.short_message);
  const m = RECEIPT_TEXT.exec(text);
  return { text, id: m?.[1], dlvrd: m?.[2], stat: m?.[3], err: m?.[4] };
}

test('a transceiver gets the receipt of its message, carrying our id, as deliver_sm', async (t) => {
  const { listener, gateway } = await startForwarding(t);
  const esme = await bindEsme({ port: listener.port, ...ACME, mode: 'transceiver' });
  t.teardown(() => esme.close());
  const destination = testNumber(Math.floor(Math.random() * 9_000_000)); // never under FAILING_PREFIX
  const resp = await esme.submit(sms({ destination_addr: destination, source_addr_ton: 5, source_addr_npi: 0, source_addr: 'AcmeBank' }));
  t.is(resp.command_status, STATUS.ESME_ROK);
  const id = String(resp.message_id);

  const [dlr] = await esme.nextDelivers(1);
  t.like(dlr, { esm_class: 0x04, receipted_message_id: id, message_state: 2, source_addr: destination, destination_addr: 'AcmeBank', dest_addr_ton: 5 });
  t.like(receiptOf(dlr!), { id, dlvrd: '001', stat: 'DELIVRD', err: '000' });
  t.deepEqual(dlr!.network_error_code, Buffer.from([3, 0, 0]));
  await until(() => gateway.store.owedReceipts('acme', 0, 10).length === 0);
  t.is(gateway.status(id)?.state, 'DELIVERED');
});

test('a transmitter-only client: its receipt waits on disk and arrives once the account binds a receiver', async (t) => {
  const { listener, gateway, finals } = await startForwarding(t);
  const tx = await bindEsme({ port: listener.port, ...ACME, mode: 'transmitter' });
  const id = String((await tx.submit(sms())).message_id);
  await finals([id]);
  await until(() => gateway.store.owedReceipts('acme', 0, 10).length === 1);
  await tx.close();
  t.deepEqual(
    gateway.store.owedReceipts('acme', 0, 10).map((r) => r.messageId),
    [id],
  );

  const rx = await bindEsme({ port: listener.port, ...ACME, mode: 'receiver' });
  t.teardown(() => rx.close());
  const [dlr] = await rx.nextDelivers(1);
  t.is(dlr!.receipted_message_id, id);
  t.like(receiptOf(dlr!), { id, stat: 'DELIVRD' });
  await until(() => gateway.store.owedReceipts('acme', 0, 10).length === 0);
});

test('a receipt answered with an error is sent again; once answered 0 it is gone and never sent again', async (t) => {
  const { listener, gateway, forwarder } = await startForwarding(t);
  const statuses = [STATUS.ESME_RSYSERR, STATUS.ESME_RSYSERR, STATUS.ESME_ROK];
  const seen: string[] = [];
  const flaky = await connectAndBind({
    host: '127.0.0.1',
    port: listener.port,
    connectTimeoutMs: 5_000,
    mode: 'transceiver',
    credentials: { system_id: ACME.systemId, password: ACME.password },
    session: { windowSize: 10, responseTimeoutMs: 10_000, maxPduBytes: 65_536, logger: quietLogger },
    onRequest: (pdu, s) => {
      if (pdu.command !== 'deliver_sm') return;
      seen.push(String(pdu.receipted_message_id));
      s.respond(pdu, { message_id: '' }, statuses.shift() ?? STATUS.ESME_ROK);
    },
  });
  t.teardown(() => (flaky.closed ? undefined : flaky.unbind()));
  const first = String((await flaky.request('submit_sm', sms())).message_id);
  await until(() => seen.length === 3);
  t.deepEqual(seen, [first, first, first]);
  // Counted once the delete is durable, which is after other readers can see it.
  await until(() => forwarder.counters.delivered === 1);
  t.is(gateway.store.owedReceipts('acme', 0, 10).length, 0);
  t.is(forwarder.counters.failed, 2);
  await flaky.unbind();

  // A fresh bind gets the next receipt first: the acknowledged one is owed no more.
  const esme = await bindEsme({ port: listener.port, ...ACME, mode: 'transceiver' });
  t.teardown(() => esme.close());
  const second = String((await esme.submit(sms())).message_id);
  const [dlr] = await esme.nextDelivers(1);
  t.is(dlr!.receipted_message_id, second);
  t.deepEqual(seen, [first, first, first]);
});

test('a message the carrier cannot deliver gives stat UNDELIV with its error', async (t) => {
  const { listener } = await startForwarding(t);
  const esme = await bindEsme({ port: listener.port, ...ACME, mode: 'transceiver' });
  t.teardown(() => esme.close());
  const id = String((await esme.submit(sms({ destination_addr: `${FAILING_PREFIX}12345` }))).message_id);
  const [dlr] = await esme.nextDelivers(1);
  t.like(dlr, { receipted_message_id: id, message_state: 5 });
  t.like(receiptOf(dlr!), { id, dlvrd: '000', stat: 'UNDELIV', err: '001' });
  t.deepEqual(dlr!.network_error_code, Buffer.from([3, 0, 1]));
});

test('a client bound as SMPP 3.3 gets its receipt as text only: no TLVs, which 3.3 does not have', async (t) => {
  const { listener } = await startForwarding(t);
  const receipts: Pdu[] = [];
  let got: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (got = resolve));
  const legacy = await connectAndBind({
    host: '127.0.0.1',
    port: listener.port,
    connectTimeoutMs: 5_000,
    mode: 'transceiver',
    credentials: { system_id: ACME.systemId, password: ACME.password, interface_version: 0x33 },
    session: { windowSize: 10, responseTimeoutMs: 10_000, maxPduBytes: 65_536, logger: quietLogger },
    onRequest: (pdu, s) => {
      if (pdu.command !== 'deliver_sm') return;
      s.respond(pdu, { message_id: '' });
      receipts.push(pdu);
      got();
    },
  });
  t.teardown(() => (legacy.closed ? undefined : legacy.unbind()));
  const id = String((await legacy.request('submit_sm', sms())).message_id);
  await arrived;
  const [receipt] = receipts;
  t.is(receipt!.esm_class, 0x04);
  t.is(receiptOf(receipt!).id, id, 'the text carries our id');
  t.is(receiptOf(receipt!).stat, 'DELIVRD');
  for (const tlv of ['receipted_message_id', 'message_state', 'network_error_code']) t.is(receipt![tlv], undefined, `no ${tlv}`);
  t.is(receipt!.unknown_tlvs, undefined);
});
