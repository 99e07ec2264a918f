import test from 'ava';
import { carrierForm } from '../../src/carriers/carrier-text.js';
import { carrierTextDefaults } from '../../src/config/schema.js';
import { content } from '../helpers/routing-store.js';

const gsm = (text: string) => Buffer.from(text, 'latin1'); // ASCII letters are their own GSM septets

test('a message that fits one SMS goes whole; GSM text takes the carrier gsmDataCoding', (t) => {
  const form = carrierForm(content({ dataCoding: 0, shortMessage: gsm('Salom') }), { ...carrierTextDefaults, gsmDataCoding: 0xf1 }, 7);
  t.true(form.ok);
  if (!form.ok) return;
  t.is(form.parts.length, 1);
  t.like(form.parts[0], { data_coding: 0xf1, esm_class: 0 });
  t.deepEqual(form.parts[0]!.short_message, gsm('Salom'));
});

test('packed GSM for a carrier that wants it: 8 septets in 7 octets', (t) => {
  const form = carrierForm(content({ dataCoding: 0, shortMessage: gsm('abcdefgh') }), { ...carrierTextDefaults, gsmPacked: true }, 1);
  t.true(form.ok && (form.parts[0]!.short_message as Buffer).length === 7);
});

test('UCS2 over 70 units is split into UDH parts of 67, never relabelled', (t) => {
  const body = Buffer.from('Ж'.repeat(100), 'utf16le').swap16();
  const form = carrierForm(content({ dataCoding: 8, shortMessage: Buffer.alloc(0), tlvs: { message_payload: body } }), carrierTextDefaults, 0x1234);
  t.true(form.ok);
  if (!form.ok) return;
  t.deepEqual(form.parts.map((p) => [(p.short_message as Buffer).length, p.data_coding, p.esm_class, p.message_payload]), [
    [6 + 134, 8, 0x40, undefined],
    [6 + 66, 8, 0x40, undefined],
  ]);
  t.is((form.parts[0]!.short_message as Buffer)[3], 0x34, 'the 8-bit reference from the low octet');
});

test('a part the client made itself goes as it came, only relabelled', (t) => {
  const udh = Buffer.from([5, 0, 3, 9, 2, 1]);
  const part = Buffer.concat([udh, gsm('x'.repeat(153))]);
  const form = carrierForm(content({ dataCoding: 0, esmClass: 0x40, shortMessage: part }), { ...carrierTextDefaults, gsmDataCoding: 0xf0, gsmPacked: true }, 1);
  t.true(form.ok);
  if (!form.ok) return;
  t.is(form.parts.length, 1);
  t.like(form.parts[0], { esm_class: 0x40, data_coding: 0xf0 });
  t.deepEqual(form.parts[0]!.short_message, part, 'not re-split, not packed');
});

test('more parts than maxParts is ESME_RINVMSGLEN with the reason', (t) => {
  const form = carrierForm(content({ dataCoding: 0, shortMessage: Buffer.alloc(0), tlvs: { message_payload: gsm('y'.repeat(400)) } }), { ...carrierTextDefaults, maxParts: 2 }, 1);
  t.false(form.ok);
  if (form.ok) return;
  t.is(form.status, 0x01);
  t.regex(form.reason, /3 parts.*at most 2/);
});
