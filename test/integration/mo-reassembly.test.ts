/**
 * Long MO through the whole daemon: a simulated carrier delivers the parts of one MO (UDH
 * with an 8- or 16-bit reference, or SAR TLVs) out of order, twice, with gaps, across a
 * restart; the account gets ONE MO with the whole text, or after the timeout what the
 * configuration says. Parts are sent one deliver_sm at a time (Simulator.injectMoPdu), each
 * awaited until the gateway answered it 0, so a test knows the part is durable.
 */
import test, { type ExecutionContext } from 'ava';
import type { Pdu, PduFields } from '../../src/smpp/codec.js';
import { moParts, type Concatenation } from '../../simulators/mo-text.js';
import type { Simulator } from '../../simulators/smsc.js';
import type { Database } from '../../src/store/database.js';
import { CLIENT, startTestDaemon, until } from '../helpers/daemon.js';
import { bindEsme, testNumber } from '../helpers/esme.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('mo-reassembly');
const ACME = { ...CLIENT, moPrefixes: ['99871200'] };
const OURS = '998712000100';
let started = 0;

async function start(t: ExecutionContext, opts: { name?: string; moReassembly?: Record<string, unknown> } = {}) {
  const { daemon, sim } = await startTestDaemon(t, files, { name: opts.name ?? `reassembly-${started++}`, moReassembly: opts.moReassembly });
  daemon.accounts.update(ACME.systemId, { moPrefixes: ACME.moPrefixes });
  return { daemon, sim, gateway: daemon.gateway, port: daemon.listener.port };
}

/** The deliver_sm parts a handset's network makes of `text`, addressed from `from` to our number. */
function partsOf(text: string, form: Concatenation, reference: number, from: string): PduFields[] {
  return moParts(text, form, reference).map((part) => ({ source_addr_ton: 1, source_addr_npi: 1, source_addr: from, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: OURS, ...part }));
}

/** Sends the parts in this order, each once the gateway answered the one before. */
async function deliver(sim: Simulator, parts: PduFields[]): Promise<void> {
  for (const part of parts) await sim.injectMoPdu(part);
}

const octets = (value: unknown) => (Buffer.isBuffer(value) ? value : Buffer.alloc(0));
const ucs2 = (text: string) => Buffer.from(text, 'utf16le').swap16();
const partsHeld = (db: Database) => (db.prepare('SELECT count(*) AS n FROM mo_parts').get() as { n: number }).n;

/** The next deliver_sm is a whole MO sent after `pdus`: nothing else of theirs is still coming. */
async function nothingMoreThan(t: ExecutionContext, sim: Simulator, esme: { nextDelivers(n: number): Promise<Pdu[]> }) {
  await sim.injectMoPdu({ source_addr: testNumber(), destination_addr: OURS, short_message: Buffer.from('after') });
  const [after] = await esme.nextDelivers(1);
  t.deepEqual(octets(after!.short_message), Buffer.from('after'));
}

const FORMS: { form: Concatenation; text: string; body: (text: string) => Buffer; field: 'short_message' | 'message_payload' }[] = [
  // 3 GSM parts, 400 septets: too long for short_message.
  { form: 'udh8', text: `Long reply: ${'the quick brown fox jumps over the lazy dog, '.repeat(9)}end`, body: (s) => Buffer.from(s, 'latin1'), field: 'message_payload' },
  // 2 UCS2 parts, 200 octets: fits short_message.
  { form: 'udh16', text: `Ответ: ${'привет мир, '.repeat(8)}конец`, body: ucs2, field: 'short_message' },
  { form: 'sar', text: `SAR reply: ${'0123456789'.repeat(40)}`, body: (s) => Buffer.from(s, 'latin1'), field: 'message_payload' },
];

for (const { form, text, body, field } of FORMS) {
  test(`a long MO in ${form} parts, out of order and one twice, reaches its account once and whole`, async (t) => {
    const { sim, gateway, port } = await start(t);
    const acme = await bindEsme({ port, ...ACME, mode: 'receiver' });
    t.teardown(() => acme.close());
    const from = testNumber();
    const parts = partsOf(text, form, 0x1234, from);
    t.true(parts.length >= 2);
    const [first, ...rest] = parts;
    const last = rest.at(-1)!;
    // The last part first and twice, then the rest, the first part last.
    await deliver(sim, [last, last, ...rest.slice(0, -1), first!]);

    const [mo] = await acme.nextDelivers(1);
    t.is(mo!.source_addr, from);
    t.is(mo!.destination_addr, OURS);
    t.is(mo!.esm_class, 0, 'no UDHI: the parts are joined');
    t.is(mo!.data_coding, parts[0]!.data_coding, 'data_coding kept');
    t.deepEqual(octets(mo![field]), body(text));
    if (field === 'message_payload') t.is(octets(mo!.short_message).length, 0);
    for (const tlv of ['sar_msg_ref_num', 'sar_total_segments', 'sar_segment_seqnum']) t.is(mo![tlv], undefined, `no ${tlv}`);
    t.like(gateway.moReassembly.counters, { parts: parts.length, duplicates: 1, joined: 1, unjoinable: 0 });
    t.is(partsHeld(gateway.db), 0);
    await nothingMoreThan(t, sim, acme);
  });
}

test('parts held when the daemon stops join the rest after it starts again', async (t) => {
  const text = `Across a restart: ${'words that must all arrive, '.repeat(10)}done`;
  const parts = partsOf(text, 'udh8', 77, testNumber());
  t.is(parts.length, 2);
  const before = await start(t, { name: 'restart' });
  await deliver(before.sim, [parts[1]!]);
  t.is(partsHeld(before.gateway.db), 1);
  await before.daemon.stop();

  const after = await start(t, { name: 'restart' });
  const acme = await bindEsme({ port: after.port, ...ACME, mode: 'receiver' });
  t.teardown(() => acme.close());
  await deliver(after.sim, [parts[0]!]);
  const [mo] = await acme.nextDelivers(1);
  t.is(mo!.esm_class, 0);
  t.deepEqual(octets(mo!.message_payload), Buffer.from(text, 'latin1'));
  t.like(after.gateway.moReassembly.counters, { parts: 1, joined: 1 });
});

test('a long MO still missing a part after the timeout goes to its account as the parts that came (onTimeout: deliver)', async (t) => {
  const { sim, gateway, port } = await start(t, { moReassembly: { timeoutMs: 200, onTimeout: 'deliver' } });
  const acme = await bindEsme({ port, ...ACME, mode: 'receiver' });
  t.teardown(() => acme.close());
  const parts = partsOf('x'.repeat(400), 'udh8', 9, testNumber());
  t.is(parts.length, 3);
  await deliver(sim, [parts[2]!, parts[0]!]);
  const delivered = await acme.nextDelivers(2);
  // As they came: UDHI and the header, whose total says 3 where 2 arrived.
  t.deepEqual(delivered.map((p) => p.esm_class), [0x40, 0x40]);
  t.deepEqual(delivered.map((p) => [...octets(p.short_message).subarray(3, 6)]).sort(), [[9, 3, 1], [9, 3, 3]]);
  // Either order: the two parts are delivered as separate MO.
  const hex = (value: unknown) => octets(value).toString('hex');
  t.deepEqual(delivered.map((p) => hex(p.short_message)).sort(), [hex(parts[0]!.short_message), hex(parts[2]!.short_message)].sort());
  await until(() => gateway.moReassembly.counters.timedOut >= 1);
  t.is(partsHeld(gateway.db), 0);
  t.is(gateway.moReassembly.counters.joined, 0);
});

test('a long MO still missing a part after the timeout is dropped and counted (onTimeout: drop)', async (t) => {
  const { sim, gateway, port } = await start(t, { moReassembly: { timeoutMs: 200, onTimeout: 'drop' } });
  const acme = await bindEsme({ port, ...ACME, mode: 'receiver' });
  t.teardown(() => acme.close());
  const parts = partsOf('y'.repeat(300), 'sar', 10, testNumber());
  await deliver(sim, [parts[0]!]);
  await until(() => gateway.moReassembly.counters.timedOut === 1);
  t.is(partsHeld(gateway.db), 0);
  t.is(gateway.mo.owedCount, 0);
  await nothingMoreThan(t, sim, acme);
});

test('a client bound as SMPP 3.3 gets a long joined MO split again into UDH parts', async (t) => {
  const { sim, port } = await start(t);
  const legacy = await bindEsme({ port, ...ACME, mode: 'receiver', interfaceVersion: 0x33 });
  t.teardown(() => legacy.close());
  const text = `For an old client: ${'abcdefghij'.repeat(30)}`;
  await deliver(sim, partsOf(text, 'sar', 5, testNumber()));
  const delivered = await legacy.nextDelivers(3);
  const udhs = delivered.map((p) => [...octets(p.short_message).subarray(0, 6)]);
  t.deepEqual(udhs.map((u) => [u[0], u[1], u[2], u[4], u[5]]), [[5, 0, 3, 3, 1], [5, 0, 3, 3, 2], [5, 0, 3, 3, 3]]);
  t.is(new Set(udhs.map((u) => u[3])).size, 1, 'one reference');
  t.deepEqual(delivered.map((p) => p.esm_class), [0x40, 0x40, 0x40]);
  t.is(Buffer.concat(delivered.map((p) => octets(p.short_message).subarray(6))).toString('latin1'), text);
  for (const p of delivered) t.is(p.message_payload, undefined);
});

test('parts a carrier got wrong are passed on as they came and counted, and the carrier answered 0', async (t) => {
  const { sim, gateway, port } = await start(t);
  const acme = await bindEsme({ port, ...ACME, mode: 'receiver' });
  t.teardown(() => acme.close());
  const from = testNumber();
  const udhPart = (udh: number[], text: string) => ({ source_addr: from, destination_addr: OURS, esm_class: 0x40, short_message: Buffer.concat([Buffer.from(udh), Buffer.from(text)]) });
  const broken = [
    udhPart([0x0a, 0x00, 0x03, 0x01, 0x02], ''), // a UDH longer than the message
    udhPart([5, 0, 3, 0x02, 2, 0], 'part zero'),
    udhPart([5, 0, 3, 0x03, 2, 3], 'part three of two'),
    { source_addr: from, destination_addr: OURS, short_message: Buffer.from('sar zero'), sar_msg_ref_num: 4, sar_total_segments: 2, sar_segment_seqnum: 0 },
  ];
  const firstOfThree = udhPart([5, 0, 3, 0x05, 3, 1], 'one of three');
  const secondOfTwo = udhPart([5, 0, 3, 0x05, 2, 2], 'two of two'); // the same reference, another total
  await deliver(sim, [...broken, firstOfThree, secondOfTwo]);

  const delivered = await acme.nextDelivers(broken.length + 1);
  t.deepEqual(delivered.map((p) => octets(p.short_message)), [...broken, secondOfTwo].map((p) => p.short_message));
  t.deepEqual(delivered.map((p) => p.esm_class), [0x40, 0x40, 0x40, 0, 0x40]);
  t.is(delivered[3]!.sar_segment_seqnum, 0, 'the SAR TLVs as they came');
  t.like(gateway.moReassembly.counters, { unjoinable: broken.length + 1, parts: 1, joined: 0 });
  t.is(partsHeld(gateway.db), 1, 'the first of three still waits for its siblings');
  t.is(sim.counters.mosSent, broken.length + 2, 'every deliver_sm answered 0');
});
