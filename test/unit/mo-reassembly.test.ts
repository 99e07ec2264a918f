/**
 * Long MO reassembly below the sockets: reading a carrier's part (carriers/mo-reassembly.ts),
 * joining parts, the durable parts table (messages/mo-parts.ts) on real SQLite with real
 * keys, and the deliver_sm a client gets (upstream/mo-forwarder.ts).
 */
import test from 'ava';
import path from 'node:path';
import { deriveKey } from '../../src/keys/master-key.js';
import { joinMoParts, MoReassembly, readMoPart, type MoTextSettings } from '../../src/carriers/mo-reassembly.js';
import { MoInbox, type OwedMo } from '../../src/messages/mo-inbox.js';
import { MoParts } from '../../src/messages/mo-parts.js';
import type { MessageContent } from '../../src/messages/types.js';
import { moFields } from '../../src/upstream/mo-forwarder.js';
import { packSeptets, udhFillBits } from '../../src/smpp/encoding/septets.js';
import { quietLogger } from '../helpers/esme.js';
import { content, openTestStore } from '../helpers/routing-store.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('mo-reassembly');
const hex = (h: string) => Buffer.from(h.replace(/\s/g, ''), 'hex');
const PLAIN: MoTextSettings = { defaultAlphabet: 'gsm7', gsmPacked: false };
const SENDER = '998901234567';
const OURS = '998712000001';

/** A carrier's MO part: UDH 8-bit reference `ref`, part `seq` of `total`, then the text octets. */
function udh8Part(ref: number, total: number, seq: number, text: Buffer | string, overrides: Partial<MessageContent> = {}): MessageContent {
  const body = Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1');
  return content({ sourceAddr: SENDER, destinationAddr: OURS, esmClass: 0x40, shortMessage: Buffer.concat([Buffer.from([5, 0, 3, ref, total, seq]), body]), ...overrides });
}

function sarPart(ref: number, total: number, seq: number, text: string): MessageContent {
  return content({ sourceAddr: SENDER, destinationAddr: OURS, shortMessage: Buffer.from(text, 'latin1'), tlvs: { sar_msg_ref_num: ref, sar_total_segments: total, sar_segment_seqnum: seq } });
}

function openParts(file = ':memory:', masterKey?: Buffer) {
  const { db, store, masterKey: key } = openTestStore(file, masterKey);
  const bodyKey = deriveKey(key, 'routing-bodies', 1);
  const keys = { current: { version: 1, key: bodyKey }, keyFor: (v: number) => (v === 1 ? bodyKey : undefined) };
  const inbox = new MoInbox({ db, keys, writes: store.writes });
  const parts = new MoParts({ db, keys, groupKey: deriveKey(key, 'mo-parts', 1), writes: store.writes, inbox });
  const reassembly = new MoReassembly({ inbox, parts, textOf: () => PLAIN, policy: { timeoutMs: 60_000, onTimeout: 'deliver' }, logger: quietLogger });
  const close = () => {
    store.close();
    db.close();
  };
  return { db, inbox, parts, reassembly, masterKey: key, close };
}

const owedBodies = (inbox: MoInbox) => inbox.owed('acme', 0, 100).map((mo) => mo.content.shortMessage.toString('latin1'));

test('a UDH part reads as its place in the message and its text', (t) => {
  const read = readMoPart(udh8Part(0x2a, 3, 2, 'Hi'), PLAIN);
  t.like(read, { ok: true, value: { concat: { form: 'udh8', reference: 0x2a, total: 3, seq: 2 } } });
  t.deepEqual(read.ok && read.value.body, { alphabet: 'gsm7', octets: Buffer.from('Hi') });
});

test('bad part headers from a carrier are problems, not exceptions', (t) => {
  const problem = (c: MessageContent) => {
    const read = readMoPart(c, PLAIN);
    return read.ok ? 'read' : read.problem.code;
  };
  t.is(problem(content({ esmClass: 0x40, shortMessage: hex('0A 00 03 01 02 01 41') })), 'UDH_TOO_LONG');
  t.is(problem(content({ esmClass: 0x40, shortMessage: hex('050003 07 02 00 41') })), 'BAD_PART_NUMBER');
  t.is(problem(content({ esmClass: 0x40, shortMessage: hex('050003 07 02 03 41') })), 'BAD_PART_NUMBER');
  t.is(problem(content({ tlvs: { sar_msg_ref_num: 1, sar_total_segments: 2, sar_segment_seqnum: 0 } })), 'BAD_PART_NUMBER');
  t.is(problem(content({ tlvs: { sar_msg_ref_num: 1 } })), 'BAD_SAR');
  t.is(problem(content({ dataCoding: 8, shortMessage: hex('0041 00') })), 'ODD_UCS2_LENGTH');
});

test('parts that fit one short_message join into it: UDHI cleared, data_coding kept', (t) => {
  const joined = joinMoParts([udh8Part(9, 2, 1, 'Hello, '), udh8Part(9, 2, 2, 'world')], PLAIN);
  t.deepEqual(joined?.shortMessage, Buffer.from('Hello, world'));
  t.is(joined?.esmClass, 0);
  t.is(joined?.dataCoding, 0);
  t.is(joined?.tlvs, undefined);
  t.is(joined?.sourceAddr, SENDER);
  t.is(joined?.destinationAddr, OURS);
});

test('parts longer than 254 octets together join into message_payload', (t) => {
  const [a, b] = ['a'.repeat(153), 'b'.repeat(150)];
  const joined = joinMoParts([sarPart(300, 2, 1, a), sarPart(300, 2, 2, b)], PLAIN);
  t.is(joined?.shortMessage.length, 0);
  t.deepEqual(joined?.tlvs, { message_payload: Buffer.from(a + b) }, 'no sar_* TLVs left');
});

test('UCS2 parts join by their units; packed GSM parts join unpacked, one septet per octet', (t) => {
  const ucs2 = (s: string) => Buffer.from(s, 'utf16le').swap16();
  const joined = joinMoParts([udh8Part(1, 2, 1, ucs2('Прив'), { dataCoding: 8 }), udh8Part(1, 2, 2, ucs2('ет'), { dataCoding: 8 })], PLAIN);
  t.deepEqual(joined?.shortMessage, ucs2('Привет'));
  t.is(joined?.dataCoding, 8);

  const packedPart = (seq: number, text: string) => udh8Part(2, 2, seq, packSeptets(Buffer.from(text, 'latin1'), udhFillBits(6)));
  const packed = joinMoParts([packedPart(1, 'Hello '), packedPart(2, 'there')], { defaultAlphabet: 'gsm7', gsmPacked: true });
  t.deepEqual(packed?.shortMessage, Buffer.from('Hello there'));
});

test('parts that do not join (alphabets differ, a UDH with other elements) give undefined', (t) => {
  t.is(joinMoParts([udh8Part(3, 2, 1, 'ab'), udh8Part(3, 2, 2, 'cd', { dataCoding: 8 })], PLAIN), undefined);
  const withPorts = content({ esmClass: 0x40, shortMessage: hex('0B 05 04 0B84 23F0 00 03 04 02 01 41') });
  t.is(joinMoParts([withPorts], PLAIN), undefined);
});

test('parts out of order and one twice become one MO, and leave the parts table', async (t) => {
  const { db, inbox, reassembly, close } = openParts();
  t.teardown(close);
  t.is(await reassembly.take('acme', 'alpha', udh8Part(7, 3, 3, 'three')), 'held');
  t.is(await reassembly.take('acme', 'alpha', udh8Part(7, 3, 1, 'one ')), 'held');
  t.is(await reassembly.take('acme', 'alpha', udh8Part(7, 3, 3, 'three')), 'duplicate');
  t.deepEqual(owedBodies(inbox), [], 'nothing owed while parts are missing');
  t.is(await reassembly.take('acme', 'alpha', udh8Part(7, 3, 2, 'two ')), 'joined');
  t.deepEqual(owedBodies(inbox), ['one two three']);
  t.is((db.prepare('SELECT count(*) AS n FROM mo_parts').get() as { n: number }).n, 0);
  t.like(reassembly.counters, { parts: 3, duplicates: 1, joined: 1, unjoinable: 0 });
});

test('the parts table names no number and holds no text in the clear', async (t) => {
  const { db, reassembly, close } = openParts();
  t.teardown(close);
  await reassembly.take('acme', 'alpha', udh8Part(8, 2, 1, 'secret words'));
  const rows = db.prepare('SELECT * FROM mo_parts').all() as Record<string, unknown>[];
  t.is(rows.length, 1);
  const row = rows[0]!;
  t.regex(String(row.group_key), /^[0-9a-f]{64}$/);
  for (const value of Object.values(row)) {
    const text = Buffer.isBuffer(value) ? value.toString('latin1') : String(value);
    t.false(text.includes(SENDER), 'no sender number');
    t.false(text.includes(OURS), 'no number of ours');
    t.false(text.includes('secret words'), 'no text');
  }
});

test('parts of different senders, references or forms are different messages', async (t) => {
  const { reassembly, close } = openParts();
  t.teardown(close);
  t.is(await reassembly.take('acme', 'alpha', udh8Part(5, 2, 1, 'a')), 'held');
  t.is(await reassembly.take('acme', 'alpha', udh8Part(5, 2, 2, 'b', { sourceAddr: '998909999999' })), 'held');
  t.is(await reassembly.take('acme', 'alpha', udh8Part(6, 2, 2, 'c')), 'held');
  t.is(await reassembly.take('acme', 'alpha', sarPart(5, 2, 2, 'd')), 'held');
  t.is(await reassembly.take('acme', 'beta', udh8Part(5, 2, 2, 'e')), 'held');
  t.is(await reassembly.take('acme', 'alpha', udh8Part(5, 2, 2, 'f')), 'joined');
});

test('bad input is passed on as it came and counted: unreadable, a disagreeing total, parts that do not join', async (t) => {
  const { inbox, reassembly, close } = openParts();
  t.teardown(close);
  const tooLong = content({ sourceAddr: SENDER, destinationAddr: OURS, esmClass: 0x40, shortMessage: hex('0A 00 03 01 02 01 41') });
  t.is(await reassembly.take('acme', 'alpha', tooLong), 'unreadable');
  t.is(await reassembly.take('acme', 'alpha', udh8Part(4, 3, 1, 'x')), 'held');
  t.is(await reassembly.take('acme', 'alpha', udh8Part(4, 2, 2, 'y')), 'mismatched');
  t.is(await reassembly.take('acme', 'alpha', udh8Part(3, 2, 1, 'ab')), 'held');
  t.is(await reassembly.take('acme', 'alpha', udh8Part(3, 2, 2, 'cd', { dataCoding: 8 })), 'unjoinable');
  const owed = inbox.owed('acme', 0, 100).map((mo) => mo.content.shortMessage);
  t.deepEqual(owed, [tooLong.shortMessage, udh8Part(4, 2, 2, 'y').shortMessage, udh8Part(3, 2, 1, 'ab').shortMessage, udh8Part(3, 2, 2, 'cd').shortMessage]);
  t.like(reassembly.counters, { unjoinable: 4, joined: 0 });
});

test('an MO that is not a part, or whose UDH is not only concatenation, goes as it came', async (t) => {
  const { inbox, reassembly, close } = openParts();
  t.teardown(close);
  const whole = content({ sourceAddr: SENDER, destinationAddr: OURS, shortMessage: Buffer.from('just one') });
  const withPorts = content({ esmClass: 0x40, shortMessage: hex('0B 05 04 0B84 23F0 00 03 04 02 01 41') });
  t.is(await reassembly.take('acme', 'alpha', whole), 'whole');
  t.is(await reassembly.take('acme', 'alpha', withPorts), 'whole');
  t.deepEqual(inbox.owed('acme', 0, 100).map((mo) => mo.content), [whole, withPorts]);
});

test('past the timeout, deliver hands over the parts that came as they came; drop deletes them', async (t) => {
  const { db, inbox, parts, reassembly, close } = openParts();
  t.teardown(close);
  const first = udh8Part(11, 3, 1, 'one ');
  const third = udh8Part(11, 3, 3, 'three');
  await reassembly.take('acme', 'alpha', third);
  await reassembly.take('acme', 'alpha', first);
  t.deepEqual(await parts.expire(0, 'deliver'), { messages: 0, parts: 0 }, 'nothing is overdue yet');
  t.deepEqual(await parts.expire(Date.now() + 1, 'deliver'), { messages: 1, parts: 2 });
  t.deepEqual(inbox.owed('acme', 0, 100).map((mo) => mo.content), [first, third], 'in part order, headers kept');

  await reassembly.take('acme', 'alpha', udh8Part(12, 2, 1, 'lost'));
  t.deepEqual(await parts.expire(Date.now() + 1, 'drop'), { messages: 1, parts: 1 });
  t.is(inbox.owed('acme', 0, 100).length, 2, 'nothing more owed');
  t.is((db.prepare('SELECT count(*) AS n FROM mo_parts').get() as { n: number }).n, 0);
});

test('held parts survive closing the store and join with the rest after it reopens', async (t) => {
  const file = path.join(files.dir, 'restart.db');
  const before = openParts(file);
  t.is(await before.reassembly.take('acme', 'alpha', udh8Part(21, 2, 2, 'world')), 'held');
  before.close();
  const after = openParts(file, before.masterKey);
  t.teardown(after.close);
  t.is(await after.reassembly.take('acme', 'alpha', udh8Part(21, 2, 1, 'hello ')), 'joined');
  t.deepEqual(owedBodies(after.inbox), ['hello world']);
});

test('a client gets a long MO in message_payload, or split again into UDH parts when bound as SMPP 3.3', (t) => {
  const text = 'z'.repeat(300);
  const mo: OwedMo = { seq: 0x1a2, id: 'm1', account: 'acme', carrier: 'alpha', createdAt: 0, content: content({ shortMessage: Buffer.alloc(0), tlvs: { message_payload: Buffer.from(text) } }) };
  t.like(moFields(mo, { hasTlvs: true }), { message_payload: Buffer.from(text), short_message: Buffer.alloc(0), esm_class: 0 });

  const parts = [moFields(mo, { hasTlvs: false })].flat();
  t.is(parts.length, 2);
  const joined = parts.map((p, i) => {
    t.is(p.esm_class, 0x40);
    t.is(p.message_payload, undefined);
    const sm = p.short_message as Buffer;
    t.deepEqual([...sm.subarray(0, 6)], [5, 0, 3, 0xa2, 2, i + 1], 'UDH: reference from the row, 2 parts');
    return sm.subarray(6).toString('latin1');
  });
  t.is(joined.join(''), text);

  const short = { ...mo, content: content({ shortMessage: Buffer.from('short') }) };
  t.like(moFields(short, { hasTlvs: false }), { short_message: Buffer.from('short') }, 'one deliver_sm when no TLV holds the body');
});
