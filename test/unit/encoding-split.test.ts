import test from 'ava';
import { chooseEncoding } from '../../src/smpp/encoding/choose.js';
import { readPart } from '../../src/smpp/encoding/read-part.js';
import { reassemble } from '../../src/smpp/encoding/reassemble.js';
import { partCapacity, splitMessage, type MessagePart, type SplitOptions } from '../../src/smpp/encoding/split.js';
import { decodeText, encodeText } from '../../src/smpp/encoding/text-codec.js';
import type { Alphabet, EncodedBody, TextAlphabet } from '../../src/smpp/encoding/types.js';
import { decodeUcs2 } from '../../src/smpp/encoding/ucs2.js';
import { parseUdh } from '../../src/smpp/encoding/udh.js';

const UDH8: SplitOptions = { form: 'udh8', reference: 0x42, maxParts: 255, packed: false };

function body(text: string, alphabet: TextAlphabet): EncodedBody {
  const encoded = encodeText(text, alphabet);
  if (!encoded.ok) throw new Error(encoded.problem.message);
  return encoded.value;
}

function split(b: EncodedBody, opts: Partial<SplitOptions> = {}): MessagePart[] {
  const parts = splitMessage(b, { ...UDH8, ...opts });
  if (!parts.ok) throw new Error(parts.problem.message);
  return parts.value;
}

/** Splits, reads every part back as a receiver would, joins them in reverse order and decodes. */
function roundTrip(b: EncodedBody, opts: Partial<SplitOptions>): { text: string; parts: number } {
  const o = { ...UDH8, ...opts };
  const parts = split(b, o);
  const read = parts.map((p) => {
    const r = readPart({ octets: p.shortMessage, esmClass: p.udhi ? 0x40 : 0, ...(p.sar ? { sar: p.sar } : {}) }, { alphabet: b.alphabet, packed: o.packed });
    if (!r.ok) throw new Error(r.problem.message);
    return r.value;
  });
  if (read.length === 1) return { text: textOf(read[0]!.body), parts: 1 };
  const joined = reassemble(read.reverse().map((r) => ({ concat: r.concat!, body: r.body })));
  if (!joined.ok) throw new Error(joined.problem.message);
  return { text: textOf(joined.value.body), parts: parts.length };
}

function textOf(b: EncodedBody): string {
  if (b.alphabet === 'binary') return b.octets.toString('hex');
  const decoded = decodeText(b);
  if (!decoded.ok) throw new Error(decoded.problem.message);
  return decoded.value.text;
}

test('part capacities follow from the UDH size, not a table', (t) => {
  const cases: [Alphabet, number, number][] = [
    ['gsm7', 0, 160], ['gsm7', 6, 153], ['gsm7', 7, 152], ['gsm7', 12, 146],
    ['binary', 0, 140], ['binary', 6, 134], ['binary', 7, 133], ['latin1', 6, 134],
    ['ucs2', 0, 70], ['ucs2', 6, 67], ['ucs2', 7, 66],
  ];
  for (const [alphabet, udh, units] of cases) t.is(partCapacity(alphabet, udh), units, `${alphabet} with ${udh}-octet UDH`);
});

test('160 GSM characters are one SMS; 161 are two parts of 153 and 8', (t) => {
  const one = split(body('a'.repeat(160), 'gsm7'));
  t.is(one.length, 1);
  t.false(one[0]!.udhi);
  t.is(one[0]!.shortMessage.length, 160);
  t.is(one[0]!.sar, undefined);
  t.is(split(body('a'.repeat(160), 'gsm7'), { packed: true })[0]!.shortMessage.length, 140);

  const two = split(body('a'.repeat(161), 'gsm7'));
  t.deepEqual(two.map((p) => p.units), [153, 8]);
  t.true(two.every((p) => p.udhi));
  t.deepEqual([...two[0]!.shortMessage.subarray(0, 6)], [0x05, 0x00, 0x03, 0x42, 2, 1]);
  t.deepEqual([...two[1]!.shortMessage.subarray(0, 6)], [0x05, 0x00, 0x03, 0x42, 2, 2]);
  t.is(two[0]!.shortMessage.length, 159);
  // Packed, a full part is exactly 140 octets: 6 of UDH, 1 fill bit, 153 septets.
  t.is(split(body('a'.repeat(161), 'gsm7'), { packed: true })[0]!.shortMessage.length, 140);
});

test('70 UCS2 units are one SMS; 71 are two parts of 67 and 4', (t) => {
  t.is(split(body('ж'.repeat(70), 'ucs2')).length, 1);
  const two = split(body('ж'.repeat(71), 'ucs2'));
  t.deepEqual(two.map((p) => p.units), [67, 4]);
  t.deepEqual(two.map((p) => p.shortMessage.length), [6 + 134, 6 + 8]);
});

test('an emoji counts two units; 69 units and an emoji is two parts', (t) => {
  t.is(split(body(`${'ж'.repeat(68)}😀`, 'ucs2')).length, 1);
  t.is(split(body(`${'ж'.repeat(69)}😀`, 'ucs2')).length, 2);
});

test('an escape character straddling a part boundary moves whole into the next part', (t) => {
  // 152 septets, then € (ESC 0x65) would take septets 153 and 154.
  const text = `${'a'.repeat(152)}€${'b'.repeat(10)}`;
  const parts = split(body(text, 'gsm7'));
  t.deepEqual(parts.map((p) => p.units), [152, 12]);
  t.is(parts[0]!.shortMessage.at(-1), 0x61);
  t.deepEqual([...parts[1]!.shortMessage.subarray(6, 8)], [0x1b, 0x65]);
  t.is(roundTrip(body(text, 'gsm7'), {}).text, text);
  t.is(roundTrip(body(text, 'gsm7'), { packed: true }).text, text);
});

test('160 septets with the last one an escape code do not fit one SMS', (t) => {
  // 159 letters and € = 161 septets; 158 and € = 160 fits.
  t.is(split(body(`${'a'.repeat(158)}€`, 'gsm7')).length, 1);
  t.is(split(body(`${'a'.repeat(159)}€`, 'gsm7')).length, 2);
});

test('an emoji straddling a part boundary is never split between its two units', (t) => {
  const text = `${'ж'.repeat(66)}😀${'ж'.repeat(10)}`;
  const parts = split(body(text, 'ucs2'));
  t.deepEqual(parts.map((p) => p.units), [66, 12]);
  const first = decodeUcs2(parts[0]!.shortMessage.subarray(6));
  const second = decodeUcs2(parts[1]!.shortMessage.subarray(6));
  t.deepEqual(first, { ok: true, value: 'ж'.repeat(66) });
  t.deepEqual(second, { ok: true, value: `😀${'ж'.repeat(10)}` });
  t.is(roundTrip(body(text, 'ucs2'), { form: 'sar' }).text, text);
});

test('a 16-bit reference UDH: 7 octets, 152 septets or 66 units a part', (t) => {
  const parts = split(body('x'.repeat(400), 'gsm7'), { form: 'udh16', reference: 0x1234 });
  t.deepEqual(parts.map((p) => p.units), [152, 152, 96]);
  t.deepEqual([...parts[2]!.shortMessage.subarray(0, 7)], [0x06, 0x08, 0x04, 0x12, 0x34, 3, 3]);
  t.deepEqual(split(body('ж'.repeat(100), 'ucs2'), { form: 'udh16' }).map((p) => p.units), [66, 34]);
  // Packed: 7 octets are 8 septets exactly, no fill bits; a full part is 140 octets again.
  t.is(split(body('x'.repeat(400), 'gsm7'), { form: 'udh16', packed: true })[0]!.shortMessage.length, 140);
});

test('SAR parts keep the full 160 / 140 / 70 and carry the TLVs, no UDH', (t) => {
  const parts = split(body('a'.repeat(161), 'gsm7'), { form: 'sar', reference: 0x1_0203 });
  t.deepEqual(parts.map((p) => p.units), [160, 1]);
  t.true(parts.every((p) => !p.udhi));
  t.deepEqual(parts.map((p) => p.sar), [
    { sar_msg_ref_num: 0x0203, sar_total_segments: 2, sar_segment_seqnum: 1 },
    { sar_msg_ref_num: 0x0203, sar_total_segments: 2, sar_segment_seqnum: 2 },
  ]);
  t.deepEqual(split(body('ж'.repeat(71), 'ucs2'), { form: 'sar' }).map((p) => p.units), [70, 1]);
  t.deepEqual(split({ alphabet: 'binary', octets: Buffer.alloc(141, 7) }, { form: 'sar' }).map((p) => p.units), [140, 1]);
});

test('binary splits at 140 octets whole and 134 with an 8-bit UDH', (t) => {
  t.is(split({ alphabet: 'binary', octets: Buffer.alloc(140) }).length, 1);
  t.deepEqual(split({ alphabet: 'binary', octets: Buffer.alloc(141) }).map((p) => p.units), [134, 7]);
});

test('a packed part never ends in a CR on an octet boundary, which a receiver drops as padding', (t) => {
  // Septet 153 of part 1 is a CR: 1 fill bit + 153·7 = 1120 bits, an octet boundary.
  const text = `${'a'.repeat(152)}\r${'b'.repeat(20)}`;
  const parts = split(body(text, 'gsm7'), { packed: true });
  t.deepEqual(parts.map((p) => p.units), [152, 21]);
  t.is(roundTrip(body(text, 'gsm7'), { packed: true }).text, text);
  // Unpacked there is no such rule: the CR stays in part 1.
  t.deepEqual(split(body(text, 'gsm7')).map((p) => p.units), [153, 20]);
});

test('160 packed septets ending in a CR need a second CR, so they no longer fit one SMS', (t) => {
  const text = `${'a'.repeat(159)}\r`;
  t.is(split(body(text, 'gsm7')).length, 1);
  t.is(split(body(text, 'gsm7'), { packed: true }).length, 2);
  t.is(roundTrip(body(text, 'gsm7'), { packed: true }).text, text);
});

test('more parts than maxParts is a clear problem', (t) => {
  const text = 'a'.repeat(153 * 10);
  t.is(split(body(text, 'gsm7'), { maxParts: 10 }).length, 10);
  t.deepEqual(splitMessage(body(`${text}!`, 'gsm7'), { ...UDH8, maxParts: 10 }), {
    ok: false,
    problem: { code: 'TOO_MANY_PARTS', message: 'the message needs 11 parts of at most 153 septets; at most 10 are allowed (maxParts)' },
  });
  t.like(splitMessage({ alphabet: 'binary', octets: Buffer.alloc(134 * 256) }, { ...UDH8, maxParts: 1000 }), { ok: false, problem: { code: 'TOO_MANY_PARTS' } });
});

test('an empty text is one empty SMS', (t) => {
  t.deepEqual(split(body('', 'gsm7')), [{ shortMessage: Buffer.alloc(0), udhi: false, units: 0 }]);
});

test('the 8-bit reference wraps at 256, the 16-bit and SAR ones at 65536', (t) => {
  t.is(split(body('a'.repeat(200), 'gsm7'), { reference: 0x1ff })[0]!.shortMessage[3], 0xff);
  t.is(split(body('a'.repeat(200), 'gsm7'), { form: 'udh16', reference: 0x1abcd })[0]!.shortMessage.readUInt16BE(3), 0xabcd);
});

test('split then reassemble gives the text back for every form, alphabet and packing', (t) => {
  const texts = {
    gsm7: `Dear customer, {order} #42 costs 15€ ~ [see] \\terms^ |x| @home_ ${'long GSM text '.repeat(40)}`,
    ucs2: `Ҳурматли мижоз, буюртмангиз 👋🏽 тайёр. ${'Ўзбекистон 🇺🇿 '.repeat(30)}`,
    latin1: `Größe ½ ¿qué? ${'Ünïcödé '.repeat(40)}`,
    ascii: `plain ${'text '.repeat(80)}`,
  } as const;
  for (const form of ['udh8', 'udh16', 'sar'] as const) {
    for (const [alphabet, text] of Object.entries(texts) as [TextAlphabet, string][]) {
      for (const packed of alphabet === 'gsm7' ? [false, true] : [false]) {
        const result = roundTrip(body(text, alphabet), { form, packed });
        t.true(result.parts > 1, `${form} ${alphabet} is long`);
        t.is(result.text, text, `${form} ${alphabet}${packed ? ' packed' : ''}`);
      }
    }
    const binary = { alphabet: 'binary' as const, octets: Buffer.from(Array.from({ length: 500 }, (_, i) => i & 0xff)) };
    t.is(roundTrip(binary, { form }).text, binary.octets.toString('hex'), `${form} binary`);
  }
});

test('split parts parse as a UDH with the numbers the splitter wrote', (t) => {
  const parts = split(chooseEncoding('é'.repeat(300), { gsmDataCoding: 0, gsmPacked: false }).body, { reference: 7 });
  t.deepEqual(
    parts.map((p) => {
      const udh = parseUdh(p.shortMessage);
      return udh.ok ? udh.value.concat : undefined;
    }),
    [
      { form: 'udh8', reference: 7, total: 2, seq: 1 },
      { form: 'udh8', reference: 7, total: 2, seq: 2 },
    ],
  );
});
