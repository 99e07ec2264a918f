/**
 * Property-based tests (fast-check) of the invariants the rest of the gateway leans on:
 * encodings round-trip, splitting never breaks a character or overfills a part, split then
 * reassemble is the identity, and no input, however malformed, makes the layer throw.
 */
import test from 'ava';
import fc from 'fast-check';
import { chooseEncoding } from '../../src/smpp/encoding/choose.js';
import { describeDcs } from '../../src/smpp/encoding/dcs.js';
import { decodeGsm7, encodeGsm7 } from '../../src/smpp/encoding/gsm7.js';
import { GSM7_BASIC, GSM7_EXTENSION } from '../../src/smpp/encoding/gsm7-alphabet.js';
import { readPart } from '../../src/smpp/encoding/read-part.js';
import { reassemble } from '../../src/smpp/encoding/reassemble.js';
import { packSeptets, unpackSeptets } from '../../src/smpp/encoding/septets.js';
import { partCapacity, splitMessage, USER_DATA_OCTETS } from '../../src/smpp/encoding/split.js';
import { decodeText } from '../../src/smpp/encoding/text-codec.js';
import { decodeUcs2, encodeUcs2, isHighSurrogate, isLowSurrogate } from '../../src/smpp/encoding/ucs2.js';
import { parseUdh } from '../../src/smpp/encoding/udh.js';

const GSM_CHARS = [...GSM7_BASIC.filter((_, code) => code !== 0x1b), ...GSM7_EXTENSION.values()];
/** Strings of up to `maxLength` units, lengths spread over the whole range (fast-check's default size keeps them short). */
const textOf = (unit: fc.Arbitrary<string>, maxLength: number) => fc.array(unit, { maxLength, size: 'max' }).map((units) => units.join(''));
const gsmChar = fc.constantFrom(...GSM_CHARS);
const gsmText = textOf(gsmChar, 700);
/**
 * GSM text; GSM dense in CRs and escapes, so that they often land on a part boundary; or
 * text that needs UCS2: Cyrillic and Uzbek letters, emoji (surrogate pairs), any code point.
 */
const mixedText = fc.oneof(
  gsmText,
  textOf(fc.constantFrom('a', '\r', '€', '{'), 700),
  textOf(fc.oneof(gsmChar, fc.constantFrom('ж', 'Ў', 'ҳ', '’', '😀', '🇺🇿', '👋🏽'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), 400),
);
const form = fc.constantFrom('udh8' as const, 'udh16' as const, 'sar' as const);

/** 23.038 §6.1.2.3.1: septets ending in CR on an octet boundary read back with a second CR. */
function packedEcho(septets: Uint8Array, fill: number): number {
  return septets.length > 0 && septets.at(-1) === 0x0d && (fill + 7 * septets.length) % 8 === 0 ? 1 : 0;
}

// fc.assert throws the shrunk counterexample, which t.notThrows turns into a failure.

test('GSM text round-trips unpacked', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(gsmText, (text) => {
        const septets = encodeGsm7(text);
        return septets.ok && decodeGsm7(septets.value).text === text && decodeGsm7(septets.value).replaced === 0;
      }),
    ),
  );
});

test('GSM septets round-trip packed, with any fill bits', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(gsmText, fc.integer({ min: 0, max: 6 }), (text, fill) => {
        const septets = encodeGsm7(text);
        if (!septets.ok) return false;
        const back = unpackSeptets(packSeptets(septets.value, fill), fill);
        const extra = packedEcho(septets.value, fill);
        return back.length === septets.value.length + extra && back.subarray(0, septets.value.length).equals(septets.value);
      }),
    ),
  );
});

test('any text round-trips through UCS2', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const back = decodeUcs2(encodeUcs2(text));
        return back.ok && back.value === text;
      }),
    ),
  );
});

/** The invariants of one split, thrown as an error naming the part that breaks them. */
function checkSplit(text: string, f: 'udh8' | 'udh16' | 'sar', packedWanted: boolean, reference: number): boolean {
  const chosen = chooseEncoding(text, { gsmDataCoding: 0, gsmPacked: packedWanted });
  const { alphabet } = chosen.body;
  const split = splitMessage(chosen.body, { form: f, reference, maxParts: 255, packed: chosen.packed });
  if (!split.ok) throw new Error(split.problem.message);
  const parts = split.value;
  let echoes = 0;
  const read = parts.map((p, i) => {
    const udhOctets = p.udhi ? p.shortMessage[0]! + 1 : 0;
    if (p.units > partCapacity(alphabet, udhOctets)) throw new Error(`part ${i + 1} holds ${p.units} units`);
    if (chosen.packed && p.shortMessage.length > USER_DATA_OCTETS) throw new Error(`part ${i + 1} has ${p.shortMessage.length} octets`);
    const r = readPart({ octets: p.shortMessage, esmClass: p.udhi ? 0x40 : 0, ...(p.sar ? { sar: p.sar } : {}) }, { alphabet, packed: chosen.packed });
    if (!r.ok) throw new Error(r.problem.message);
    const units = r.value.body.octets;
    if (alphabet === 'ucs2') {
      if (units.length >= 2 && isLowSurrogate(units.readUInt16BE(0))) throw new Error(`part ${i + 1} starts with a low surrogate`);
      if (units.length >= 2 && isHighSurrogate(units.readUInt16BE(units.length - 2))) throw new Error(`part ${i + 1} ends with a high surrogate`);
    } else {
      // A CR echo (23.038 §6.1.2.3.1) may follow the last part only; the others read back exactly.
      const extra = units.length - p.units;
      if (extra !== 0 && !(chosen.packed && i === parts.length - 1 && extra === 1)) throw new Error(`part ${i + 1} reads back ${units.length} septets of ${p.units}`);
      echoes += extra;
      let j = 0;
      while (j < p.units) j += units[j] === 0x1b ? 2 : 1;
      if (j !== p.units) throw new Error(`part ${i + 1} ends inside an escape sequence`);
    }
    return r.value;
  });
  const joined = read.length === 1 ? { ok: true as const, value: { body: read[0]!.body } } : reassemble(read.map((r) => ({ concat: r.concat!, body: r.body })));
  if (!joined.ok) throw new Error(joined.problem.message);
  const decoded = decodeText(joined.value.body);
  if (!decoded.ok) throw new Error(decoded.problem.message);
  return decoded.value.text === text + '\r'.repeat(echoes);
}

test('splitting never overfills a part, never breaks a character, and reassembles to the text', (t) => {
  t.notThrows(() => fc.assert(fc.property(mixedText, form, fc.boolean(), fc.integer({ min: 0, max: 0xffff }), checkSplit), { numRuns: 300 }));
});

test('no bytes make the UDH parser, readPart or describeDcs throw', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom('gsm7' as const, 'latin1' as const, 'ascii' as const, 'ucs2' as const, 'binary' as const),
        fc.boolean(),
        fc.record({ sar_msg_ref_num: fc.anything(), sar_total_segments: fc.anything(), sar_segment_seqnum: fc.anything() }, { requiredKeys: [] }),
        (bytes, byte, alphabet, packed, sar) => {
          const octets = Buffer.from(bytes);
          parseUdh(octets);
          describeDcs(byte, 'gsm7');
          const read = readPart({ octets, esmClass: byte, sar }, { alphabet, packed });
          if (read.ok) decodeText(read.value.body);
          return true;
        },
      ),
    ),
  );
});
