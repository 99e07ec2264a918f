import test from 'ava';
import { decodeOctetText, encodeOctetText } from '../../src/smpp/encoding/octet-text.js';
import { decodeText, encodeText, unitCount, unitName } from '../../src/smpp/encoding/text-codec.js';
import { decodeUcs2, encodeUcs2 } from '../../src/smpp/encoding/ucs2.js';
import { chooseEncoding } from '../../src/smpp/encoding/choose.js';

const DEFAULTS = { gsmDataCoding: 0, gsmPacked: false };

test('UCS2 is UTF-16 big-endian; an emoji is a surrogate pair of two units', (t) => {
  t.deepEqual(encodeUcs2('Жa'), Buffer.from([0x04, 0x16, 0x00, 0x61]));
  const emoji = encodeUcs2('😀');
  t.deepEqual(emoji, Buffer.from([0xd8, 0x3d, 0xde, 0x00]));
  t.is(unitCount({ alphabet: 'ucs2', octets: emoji }), 2);
  t.deepEqual(decodeUcs2(Buffer.from([0x04, 0x16, 0xd8, 0x3d, 0xde, 0x00])), { ok: true, value: 'Ж😀' });
});

test('decoding UCS2 leaves its input as it came', (t) => {
  const input = Buffer.from([0x04, 0x16]);
  decodeUcs2(input);
  t.deepEqual(input, Buffer.from([0x04, 0x16]));
});

test('an odd-length UCS2 payload is a clear problem, not a throw', (t) => {
  t.deepEqual(decodeUcs2(Buffer.from([0x04, 0x16, 0x04])), {
    ok: false,
    problem: { code: 'ODD_UCS2_LENGTH', message: 'a UCS2 payload must have an even number of octets (two per character), got 3' },
  });
  t.like(decodeText({ alphabet: 'ucs2', octets: Buffer.from([0x00]) }), { ok: false, problem: { code: 'ODD_UCS2_LENGTH' } });
});

test('Latin-1 carries U+0000–U+00FF one octet each and reports anything above', (t) => {
  const all = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join('');
  const encoded = encodeOctetText(all, 'latin1');
  t.true(encoded.ok);
  if (!encoded.ok) return;
  t.deepEqual([...encoded.value], Array.from({ length: 256 }, (_, i) => i));
  t.deepEqual(decodeOctetText(encoded.value, 'latin1'), { text: all, replaced: 0 });
  t.like(encodeOctetText('€10', 'latin1'), { ok: false, problem: { code: 'UNENCODABLE', message: 'character 1 (U+20AC) is not in Latin-1 (ISO 8859-1)' } });
});

test('IA5 (ASCII) carries 7 bits; a high octet decodes to a counted replacement', (t) => {
  t.deepEqual(encodeOctetText('Hi!', 'ascii'), { ok: true, value: Buffer.from('Hi!') });
  t.like(encodeOctetText('café', 'ascii'), { ok: false, problem: { message: 'character 4 (U+00E9) is not in IA5 (ASCII)' } });
  t.deepEqual(decodeOctetText(Buffer.from([0x48, 0xe9, 0x69]), 'ascii'), { text: 'H\uFFFDi', replaced: 1 });
});

test('encodeText and decodeText agree for every text alphabet', (t) => {
  const cases = [
    ['gsm7', 'Price: 5€ [net] {ok} ~ \\ ^ |'],
    ['latin1', 'Größe: 3½ ¿sí?'],
    ['ascii', 'plain ASCII {}[]~'],
    ['ucs2', 'Ҳурматли мижоз 👋'],
  ] as const;
  for (const [alphabet, text] of cases) {
    const body = encodeText(text, alphabet);
    t.true(body.ok, alphabet);
    if (!body.ok) continue;
    t.is(body.value.alphabet, alphabet);
    t.deepEqual(decodeText(body.value), { ok: true, value: { text, replaced: 0 } }, alphabet);
  }
  t.like(encodeText('Ж', 'gsm7'), { ok: false, problem: { code: 'UNENCODABLE' } });
});

test('a binary body is not text', (t) => {
  t.like(decodeText({ alphabet: 'binary', octets: Buffer.from([1, 2]) }), { ok: false, problem: { code: 'NOT_TEXT' } });
  t.is(unitName('binary'), 'octets');
  t.is(unitName('gsm7'), 'septets');
  t.is(unitName('ucs2'), 'ucs2 units');
});

test('text we create goes GSM 7-bit when every character fits, extension characters included', (t) => {
  const chosen = chooseEncoding('Total: 10€ [paid] @ café', DEFAULTS);
  t.is(chosen.body.alphabet, 'gsm7');
  t.is(chosen.dataCoding, 0);
  t.false(chosen.packed);
  t.is(chosen.firstNonGsm, undefined);
  t.is(unitCount(chosen.body), 27, '24 characters, € [ ] two septets each');
});

test('one character outside GSM makes it UCS2, data_coding 8, and says which', (t) => {
  const chosen = chooseEncoding('Salom, Ҳурмат', DEFAULTS);
  t.is(chosen.body.alphabet, 'ucs2');
  t.is(chosen.dataCoding, 8);
  t.deepEqual(chosen.firstNonGsm, { index: 7, codePoint: 0x04b2 });
  t.deepEqual(chosen.body.octets, encodeUcs2('Salom, Ҳурмат'));
});

test('the carrier decides the GSM data_coding and packing', (t) => {
  t.like(chooseEncoding('hello', { gsmDataCoding: 0xf1, gsmPacked: true }), { dataCoding: 0xf1, packed: true, body: { alphabet: 'gsm7' } });
  t.like(chooseEncoding('привет', { gsmDataCoding: 0xf1, gsmPacked: true }), { dataCoding: 8, packed: false, body: { alphabet: 'ucs2' } });
});
