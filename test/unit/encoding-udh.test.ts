import test from 'ava';
import { readPart } from '../../src/smpp/encoding/read-part.js';
import { reassemble, type PartToJoin } from '../../src/smpp/encoding/reassemble.js';
import { concatFromSar } from '../../src/smpp/encoding/sar.js';
import { parseUdh } from '../../src/smpp/encoding/udh.js';

const hex = (h: string) => Buffer.from(h.replace(/\s/g, ''), 'hex');

test('an 8-bit concatenation UDH: every field, and the payload after it', (t) => {
  const parsed = parseUdh(hex('050003 A7 03 02 48 69'));
  t.true(parsed.ok);
  if (!parsed.ok) return;
  t.is(parsed.value.udhOctets, 6);
  t.deepEqual(parsed.value.concat, { form: 'udh8', reference: 0xa7, total: 3, seq: 2 });
  t.deepEqual(parsed.value.elements, [{ iei: 0x00, data: hex('A70302') }]);
  t.deepEqual(parsed.value.payload, Buffer.from('Hi'));
});

test('a 16-bit concatenation UDH next to another IE keeps both', (t) => {
  // A port addressing IE (0x05, 4 octets) before the 16-bit concatenation IE.
  const parsed = parseUdh(hex('0C 05 04 0B84 23F0 08 04 BEEF 02 01 00 41'));
  t.true(parsed.ok);
  if (!parsed.ok) return;
  t.is(parsed.value.udhOctets, 13);
  t.deepEqual(parsed.value.concat, { form: 'udh16', reference: 0xbeef, total: 2, seq: 1 });
  t.deepEqual(parsed.value.elements.map((e) => e.iei), [0x05, 0x08]);
  t.deepEqual(parsed.value.payload, hex('0041'));
});

test('a UDH without concatenation is just elements', (t) => {
  const parsed = parseUdh(hex('04 05 02 0B84 54'));
  t.like(parsed, { ok: true, value: { udhOctets: 5, payload: hex('54') } });
  t.is(parsed.ok ? parsed.value.concat : 'failed', undefined);
});

test('of two concatenation IEs the last counts (23.040 §9.2.3.24)', (t) => {
  const parsed = parseUdh(hex('0B 00 03 11 02 01 08 04 2222 03 03'));
  t.like(parsed, { ok: true, value: { concat: { form: 'udh16', reference: 0x2222, total: 3, seq: 3 } } });
});

test('a UDH longer than the message is a clear problem', (t) => {
  t.deepEqual(parseUdh(hex('0A 00 03 01 02 01')), {
    ok: false,
    problem: { code: 'UDH_TOO_LONG', message: 'the UDH length octet says 10 octets follow, but the message has only 5' },
  });
  t.like(parseUdh(Buffer.alloc(0)), { ok: false, problem: { code: 'UDH_TOO_LONG' } });
});

test('an element running past the header, or a concatenation IE of the wrong size, is BAD_UDH', (t) => {
  t.like(parseUdh(hex('03 00 05 01 41 42 43')), { ok: false, problem: { code: 'BAD_UDH' } });
  t.like(parseUdh(hex('01 00 41')), { ok: false, problem: { code: 'BAD_UDH', message: 'the UDH ends inside an information element header at octet 1' } });
  t.like(parseUdh(hex('04 00 02 01 02 41')), { ok: false, problem: { code: 'BAD_UDH', message: 'UDH concatenation IE 0x00 (8-bit reference) must have 3 octets, got 2' } });
});

test('a UDH part number of 0 or above the total, or a total of 0, is BAD_PART_NUMBER', (t) => {
  t.deepEqual(parseUdh(hex('050003 01 03 00 41')), {
    ok: false,
    problem: { code: 'BAD_PART_NUMBER', message: 'UDH concatenation IE 0x00 (8-bit reference): part number 0 is outside 1..3 (the total number of parts)' },
  });
  t.like(parseUdh(hex('050003 01 03 04 41')), { ok: false, problem: { code: 'BAD_PART_NUMBER' } });
  t.like(parseUdh(hex('060804 0001 02 03 41')), { ok: false, problem: { code: 'BAD_PART_NUMBER' } });
  t.like(parseUdh(hex('050003 01 00 00 41')), { ok: false, problem: { code: 'BAD_PART_NUMBER', message: 'UDH concatenation IE 0x00 (8-bit reference): the total number of parts is 0; it must be 1 to 255' } });
});

test('SAR TLVs give the part numbers, all three or none', (t) => {
  t.deepEqual(concatFromSar({}), { ok: true, value: undefined });
  t.deepEqual(concatFromSar({ sar_msg_ref_num: 513, sar_total_segments: 4, sar_segment_seqnum: 4 }), { ok: true, value: { form: 'sar', reference: 513, total: 4, seq: 4 } });
  t.deepEqual(concatFromSar({ sar_msg_ref_num: 513, sar_total_segments: 4 }), {
    ok: false,
    problem: { code: 'BAD_SAR', message: 'SAR TLVs must come together: sar_msg_ref_num, sar_total_segments without sar_segment_seqnum (SMPP 3.4 §5.3.2.22–24)' },
  });
  t.like(concatFromSar({ sar_msg_ref_num: 'x', sar_total_segments: 4, sar_segment_seqnum: 1 }), { ok: false, problem: { code: 'BAD_SAR' } });
});

test('a SAR part number of 0 or above the total is BAD_PART_NUMBER', (t) => {
  t.deepEqual(concatFromSar({ sar_msg_ref_num: 1, sar_total_segments: 2, sar_segment_seqnum: 0 }), {
    ok: false,
    problem: { code: 'BAD_PART_NUMBER', message: 'SAR TLVs: part number 0 is outside 1..2 (the total number of parts)' },
  });
  t.like(concatFromSar({ sar_msg_ref_num: 1, sar_total_segments: 2, sar_segment_seqnum: 3 }), { ok: false, problem: { code: 'BAD_PART_NUMBER' } });
  t.like(concatFromSar({ sar_msg_ref_num: 1, sar_total_segments: 0, sar_segment_seqnum: 1 }), { ok: false, problem: { code: 'BAD_PART_NUMBER' } });
});

test('readPart unpacks GSM after the UDH fill bits and reports the concatenation', (t) => {
  // UDH 8-bit ref, then "hello" packed from bit 1.
  const read = readPart({ octets: hex('050003 09 02 01 D06536FB0D'), esmClass: 0x40 }, { alphabet: 'gsm7', packed: true });
  t.like(read, { ok: true, value: { concat: { form: 'udh8', reference: 9, total: 2, seq: 1 }, body: { alphabet: 'gsm7', octets: Buffer.from('hello') } } });
});

test('readPart ignores UDH-looking octets without UDHI and reads SAR then', (t) => {
  const read = readPart({ octets: Buffer.from('050003'), esmClass: 0, sar: { sar_msg_ref_num: 5, sar_total_segments: 2, sar_segment_seqnum: 2 } }, { alphabet: 'latin1', packed: false });
  t.like(read, { ok: true, value: { concat: { form: 'sar', seq: 2 }, elements: [], body: { octets: Buffer.from('050003') } } });
});

test('an odd-length UCS2 payload after the UDH is ODD_UCS2_LENGTH', (t) => {
  t.like(readPart({ octets: hex('050003 01 02 01 0416 04'), esmClass: 0x40 }, { alphabet: 'ucs2', packed: false }), {
    ok: false,
    problem: { code: 'ODD_UCS2_LENGTH', message: 'a UCS2 payload must have an even number of octets (two per character), got 3' },
  });
});

test('readPart passes UDH and SAR problems on', (t) => {
  t.like(readPart({ octets: hex('0A0003'), esmClass: 0x40 }, { alphabet: 'gsm7', packed: false }), { ok: false, problem: { code: 'UDH_TOO_LONG' } });
  t.like(readPart({ octets: hex('41'), esmClass: 0, sar: { sar_msg_ref_num: 1, sar_total_segments: 1, sar_segment_seqnum: 2 } }, { alphabet: 'gsm7', packed: false }), {
    ok: false,
    problem: { code: 'BAD_PART_NUMBER' },
  });
});

const part = (seq: number, text: string, over: Partial<PartToJoin['concat']> = {}): PartToJoin => ({
  concat: { form: 'udh8', reference: 1, total: 3, seq, ...over },
  body: { alphabet: 'gsm7', octets: Buffer.from(text) },
});

test('reassemble joins parts in any order and takes a repeated part once', (t) => {
  const joined = reassemble([part(3, 'C'), part(1, 'A'), part(2, 'B'), part(1, 'A')]);
  t.deepEqual(joined, { ok: true, value: { body: { alphabet: 'gsm7', octets: Buffer.from('ABC') }, missing: [] } });
});

test('reassemble names the missing parts, or joins what came when asked to', (t) => {
  t.deepEqual(reassemble([part(3, 'C'), part(1, 'A')]), { ok: false, problem: { code: 'MISSING_PARTS', message: '1 of 3 parts missing (2)' } });
  t.deepEqual(reassemble([part(3, 'C'), part(1, 'A')], { allowMissing: true }), { ok: true, value: { body: { alphabet: 'gsm7', octets: Buffer.from('AC') }, missing: [2] } });
  t.like(reassemble([]), { ok: false, problem: { code: 'MISSING_PARTS' } });
});

test('parts of different messages or alphabets are refused together', (t) => {
  t.like(reassemble([part(1, 'A'), part(2, 'B', { reference: 2 })]), { ok: false, problem: { code: 'INCONSISTENT_PARTS' } });
  t.like(reassemble([part(1, 'A'), part(2, 'B', { total: 4 })]), { ok: false, problem: { code: 'INCONSISTENT_PARTS' } });
  t.like(reassemble([part(1, 'A'), part(2, 'B', { form: 'sar' })]), { ok: false, problem: { code: 'INCONSISTENT_PARTS' } });
  t.like(reassemble([part(1, 'A'), { ...part(2, 'B'), body: { alphabet: 'ucs2', octets: Buffer.from('0042', 'hex') } }]), { ok: false, problem: { code: 'INCONSISTENT_PARTS' } });
  t.like(reassemble([part(1, 'A'), part(4, 'D')]), { ok: false, problem: { code: 'BAD_PART_NUMBER' } });
});

test('an emoji a sender split across parts still decodes once joined', (t) => {
  const joined = reassemble([
    { concat: { form: 'udh16', reference: 9, total: 2, seq: 2 }, body: { alphabet: 'ucs2', octets: hex('DE00 0021') } },
    { concat: { form: 'udh16', reference: 9, total: 2, seq: 1 }, body: { alphabet: 'ucs2', octets: hex('0048 D83D') } },
  ]);
  t.like(joined, { ok: true, value: { body: { octets: hex('0048D83DDE000021') } } });
});
