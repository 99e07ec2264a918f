import test from 'ava';
import { describeDcs } from '../../src/smpp/encoding/dcs.js';

test('data_coding 0 means the carrier\'s default alphabet (SMPP 3.4 §5.2.19)', (t) => {
  t.deepEqual(describeDcs(0x00, 'gsm7'), { alphabet: 'gsm7' });
  t.deepEqual(describeDcs(0x00, 'latin1'), { alphabet: 'latin1' });
  t.deepEqual(describeDcs(0x00, 'ascii'), { alphabet: 'ascii' });
});

test('the SMPP values 0x01–0x0F: IA5, Latin-1, UCS2, and binary for the rest', (t) => {
  const expected: Record<number, string> = { 0x01: 'ascii', 0x03: 'latin1', 0x08: 'ucs2' };
  for (let dcs = 0x01; dcs <= 0x0f; dcs++) {
    t.deepEqual(describeDcs(dcs, 'gsm7'), { alphabet: expected[dcs] ?? 'binary' }, `0x${dcs.toString(16)}`);
  }
});

test('general data coding with a message class, 0x10–0x1F (23.038 §4, group 00x1)', (t) => {
  t.deepEqual(describeDcs(0x10, 'latin1'), { alphabet: 'gsm7', messageClass: 0 }, 'GSM default alphabet, not the carrier default');
  t.deepEqual(describeDcs(0x11, 'gsm7'), { alphabet: 'gsm7', messageClass: 1 });
  t.deepEqual(describeDcs(0x12, 'gsm7'), { alphabet: 'gsm7', messageClass: 2 });
  t.deepEqual(describeDcs(0x13, 'gsm7'), { alphabet: 'gsm7', messageClass: 3 });
  t.deepEqual(describeDcs(0x14, 'gsm7'), { alphabet: 'binary', messageClass: 0 });
  t.deepEqual(describeDcs(0x16, 'gsm7'), { alphabet: 'binary', messageClass: 2 });
  t.deepEqual(describeDcs(0x18, 'gsm7'), { alphabet: 'ucs2', messageClass: 0 });
  t.deepEqual(describeDcs(0x19, 'gsm7'), { alphabet: 'ucs2', messageClass: 1 });
  t.deepEqual(describeDcs(0x1c, 'gsm7'), { alphabet: 'binary', messageClass: 0 }, 'alphabet 11 is reserved');
  t.deepEqual(describeDcs(0x1f, 'gsm7'), { alphabet: 'binary', messageClass: 3 });
});

test('compressed text (bit 5) is passed through as binary, with its class', (t) => {
  t.deepEqual(describeDcs(0x20, 'gsm7'), { alphabet: 'binary', compressed: true });
  t.deepEqual(describeDcs(0x28, 'gsm7'), { alphabet: 'binary', compressed: true });
  t.deepEqual(describeDcs(0x31, 'gsm7'), { alphabet: 'binary', messageClass: 1, compressed: true });
  t.deepEqual(describeDcs(0x3a, 'gsm7'), { alphabet: 'binary', messageClass: 2, compressed: true });
});

test('the automatic deletion group 01xx reads as general data coding', (t) => {
  t.deepEqual(describeDcs(0x40, 'gsm7'), { alphabet: 'gsm7' });
  t.deepEqual(describeDcs(0x48, 'gsm7'), { alphabet: 'ucs2' });
  t.deepEqual(describeDcs(0x51, 'gsm7'), { alphabet: 'gsm7', messageClass: 1 });
  t.deepEqual(describeDcs(0x6a, 'gsm7'), { alphabet: 'binary', compressed: true });
  t.deepEqual(describeDcs(0x7a, 'gsm7'), { alphabet: 'binary', messageClass: 2, compressed: true });
});

test('reserved coding groups 1000–1011 are binary pass-through', (t) => {
  for (let dcs = 0x80; dcs <= 0xbf; dcs++) t.deepEqual(describeDcs(dcs, 'gsm7'), { alphabet: 'binary' });
});

test('message waiting groups: GSM 7-bit for 1100 and 1101, UCS2 for 1110', (t) => {
  for (let dcs = 0xc0; dcs <= 0xdf; dcs++) t.deepEqual(describeDcs(dcs, 'latin1'), { alphabet: 'gsm7' });
  for (let dcs = 0xe0; dcs <= 0xef; dcs++) t.deepEqual(describeDcs(dcs, 'gsm7'), { alphabet: 'ucs2' });
});

test('data coding / message class 0xF0–0xFF: bit 2 picks 8-bit, bits 1..0 the class', (t) => {
  t.deepEqual(describeDcs(0xf0, 'gsm7'), { alphabet: 'gsm7', messageClass: 0 });
  t.deepEqual(describeDcs(0xf1, 'latin1'), { alphabet: 'gsm7', messageClass: 1 });
  t.deepEqual(describeDcs(0xf2, 'gsm7'), { alphabet: 'gsm7', messageClass: 2 });
  t.deepEqual(describeDcs(0xf3, 'gsm7'), { alphabet: 'gsm7', messageClass: 3 });
  t.deepEqual(describeDcs(0xf4, 'gsm7'), { alphabet: 'binary', messageClass: 0 });
  t.deepEqual(describeDcs(0xf5, 'gsm7'), { alphabet: 'binary', messageClass: 1 });
  t.deepEqual(describeDcs(0xf6, 'gsm7'), { alphabet: 'binary', messageClass: 2 });
  t.deepEqual(describeDcs(0xf7, 'gsm7'), { alphabet: 'binary', messageClass: 3 });
  t.deepEqual(describeDcs(0xf9, 'gsm7'), { alphabet: 'gsm7', messageClass: 1 }, 'bit 3 is reserved and ignored');
  t.deepEqual(describeDcs(0xfd, 'gsm7'), { alphabet: 'binary', messageClass: 1 });
});

test('every octet value has an answer', (t) => {
  const alphabets = new Set(['gsm7', 'latin1', 'ascii', 'ucs2', 'binary']);
  for (let dcs = 0; dcs <= 0xff; dcs++) {
    for (const carrierDefault of ['gsm7', 'latin1', 'ascii'] as const) {
      const info = describeDcs(dcs, carrierDefault);
      t.true(alphabets.has(info.alphabet));
      if (info.messageClass !== undefined) t.true(info.messageClass >= 0 && info.messageClass <= 3);
    }
  }
});
