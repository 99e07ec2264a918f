import test from 'ava';
import { decodeGsm7, encodeGsm7 } from '../../src/smpp/encoding/gsm7.js';
import { GSM7_BASIC, GSM7_EXTENSION } from '../../src/smpp/encoding/gsm7-alphabet.js';
import { packSeptets, packedOctets, udhFillBits, udhSeptets, unpackSeptets } from '../../src/smpp/encoding/septets.js';

const hex = (h: string) => Buffer.from(h.replace(/\s/g, ''), 'hex');

function septetsOf(text: string): Buffer {
  const encoded = encodeGsm7(text);
  if (!encoded.ok) throw new Error(encoded.problem.message);
  return encoded.value;
}

test('the basic table sits where 3GPP TS 23.038 §6.2.1 puts it', (t) => {
  t.is(GSM7_BASIC.length, 128);
  const spots: [number, string][] = [
    [0x00, '@'], [0x01, '£'], [0x02, '$'], [0x03, '¥'], [0x09, 'Ç'], [0x0a, '\n'], [0x0d, '\r'],
    [0x10, 'Δ'], [0x11, '_'], [0x1c, 'Æ'], [0x1f, 'É'], [0x20, ' '], [0x24, '¤'], [0x40, '¡'],
    [0x5b, 'Ä'], [0x5f, '§'], [0x60, '¿'], [0x7b, 'ä'], [0x7f, 'à'],
  ];
  for (const [code, ch] of spots) t.is(GSM7_BASIC[code], ch, `0x${code.toString(16)}`);
  t.deepEqual([...GSM7_EXTENSION].map(([code, ch]) => [code, ch]), [
    [0x0a, '\f'], [0x14, '^'], [0x28, '{'], [0x29, '}'], [0x2f, '\\'], [0x3c, '['], [0x3d, '~'], [0x3e, ']'], [0x40, '|'], [0x65, '€'],
  ]);
});

test('every basic table character round-trips as its own septet, unpacked and packed', (t) => {
  for (let code = 0; code < 128; code++) {
    if (code === 0x1b) continue;
    const ch = GSM7_BASIC[code]!;
    const septets = septetsOf(ch);
    t.deepEqual([...septets], [code], `U+${ch.charCodeAt(0).toString(16)}`);
    t.deepEqual(decodeGsm7(septets), { text: ch, replaced: 0 });
    // Between two letters so that no character ends the message (the CR rule has its own test).
    const framed = `a${ch}b`;
    t.is(decodeGsm7(unpackSeptets(packSeptets(septetsOf(framed)))).text, framed);
  }
});

test('every extension character is ESC and its code, two septets, unpacked and packed', (t) => {
  for (const [code, ch] of GSM7_EXTENSION) {
    const septets = septetsOf(ch);
    t.deepEqual([...septets], [0x1b, code], ch);
    t.deepEqual(decodeGsm7(septets), { text: ch, replaced: 0 });
    t.is(decodeGsm7(unpackSeptets(packSeptets(septets))).text, ch);
  }
  const all = [...GSM7_EXTENSION.values()].join('');
  t.is(septetsOf(all).length, 20, 'each counts two septets');
  for (let fill = 0; fill < 7; fill++) t.is(decodeGsm7(unpackSeptets(packSeptets(septetsOf(all), fill), fill)).text, all);
});

test('packing follows §6.1.2.1.1: "hellohello" is E8329BFD4697D9EC37', (t) => {
  const packed = packSeptets(septetsOf('hellohello'));
  t.deepEqual(packed, hex('E8329BFD4697D9EC37'));
  t.is(decodeGsm7(unpackSeptets(packed)).text, 'hellohello');
});

test('after a 6-octet UDH one fill bit puts the text on a septet boundary', (t) => {
  t.is(udhFillBits(6), 1);
  t.is(udhFillBits(7), 0);
  t.is(udhFillBits(5), 2);
  t.is(udhSeptets(6), 7);
  t.is(udhSeptets(7), 8);
  // h e l l o from bit 1: 0x68<<1, then the rest shifted along.
  const packed = packSeptets(septetsOf('hello'), 1);
  t.deepEqual(packed, hex('D06536FB0D'));
  t.is(decodeGsm7(unpackSeptets(packed, 1)).text, 'hello');
});

test('seven spare bits carry a CR, not zeros that would read as @ (§6.1.2.3.1)', (t) => {
  const packed = packSeptets(septetsOf('1234567'));
  t.deepEqual(packed, hex('31D98C56B3DD1A'));
  t.is(decodeGsm7(unpackSeptets(packed)).text, '1234567');
  t.is(packedOctets(7, 0, false), 7);
  // The old zero padding reads as a trailing @: the reason for the rule.
  t.is(decodeGsm7(unpackSeptets(hex('31D98C56B3DD00'))).text, '1234567@');
});

test('a text ending in CR on an octet boundary gets a second CR, displayed the same', (t) => {
  const text = '1234567\r';
  t.is(packedOctets(8, 0, true), 8);
  const packed = packSeptets(septetsOf(text));
  t.is(packed.length, 8);
  t.is(decodeGsm7(unpackSeptets(packed)).text, '1234567\r\r');
  // Not on a boundary: nothing added, nothing dropped.
  t.is(decodeGsm7(unpackSeptets(packSeptets(septetsOf('12\r')))).text, '12\r');
});

test('an empty text packs to nothing', (t) => {
  t.deepEqual(packSeptets(Buffer.alloc(0)), Buffer.alloc(0));
  t.deepEqual(unpackSeptets(Buffer.alloc(0)), Buffer.alloc(0));
  t.deepEqual(decodeGsm7(Buffer.alloc(0)), { text: '', replaced: 0 });
});

test('a character GSM cannot carry is reported with its position, never turned into ?', (t) => {
  const result = encodeGsm7('It’s ok');
  t.false(result.ok);
  if (result.ok) return;
  t.is(result.problem.code, 'UNENCODABLE');
  t.is(result.problem.message, 'character 3 (U+2019) is not in the GSM 03.38 default alphabet or its extension table');
  const emoji = encodeGsm7('ok 😀');
  t.like(emoji, { ok: false, problem: { message: 'character 4 (U+1F600) is not in the GSM 03.38 default alphabet or its extension table' } });
  t.like(encodeGsm7('ç'), { ok: false }, 'the small c cedilla is not GSM (0x09 is the capital)');
});

test('unknown codes decode to a replacement and are counted, never thrown', (t) => {
  // ESC + a code the extension table lacks: the basic table's character (§6.2.1.1).
  t.deepEqual(decodeGsm7(Buffer.from([0x41, 0x1b, 0x41])), { text: 'AA', replaced: 1 });
  // ESC ESC (reserved) and a trailing ESC: a space each.
  t.deepEqual(decodeGsm7(Buffer.from([0x1b, 0x1b, 0x42])), { text: ' B', replaced: 1 });
  t.deepEqual(decodeGsm7(Buffer.from([0x42, 0x1b])), { text: 'B ', replaced: 1 });
  // An octet above 0x7F is no septet.
  t.deepEqual(decodeGsm7(Buffer.from([0x80, 0xff, 0x43])), { text: '\uFFFD\uFFFDC', replaced: 2 });
  t.deepEqual(decodeGsm7(Buffer.from([0x1b, 0x90])), { text: '\uFFFD', replaced: 1 });
});
