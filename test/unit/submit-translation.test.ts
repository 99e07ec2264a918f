import test from 'ava';
import type { Pdu } from '../../src/smpp/codec.js';
import { parseSmppTime, translateSubmit, type SubmitRefusal } from '../../src/upstream/submit-translation.js';

const NOW = Date.UTC(2026, 0, 31, 12, 0, 0);
const LIMITS = { maxMessagePayloadOctets: 2_048 };

function submit(fields: Record<string, unknown> = {}): Pdu {
  return {
    command: 'submit_sm',
    command_id: 4,
    command_status: 0,
    sequence_number: 7,
    service_type: '',
    source_addr_ton: 1,
    source_addr_npi: 1,
    source_addr: '998712000001',
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: '998901234567',
    esm_class: 0x40,
    protocol_id: 0x3f,
    priority_flag: 2,
    schedule_delivery_time: '',
    validity_period: '',
    registered_delivery: 1,
    replace_if_present_flag: 0,
    data_coding: 8,
    sm_default_msg_id: 0,
    short_message: Buffer.from('0500030a0201004800690021', 'hex'),
    ...fields,
  };
}

test('a valid submit_sm becomes a NewMessage with every field copied', (t) => {
  const result = translateSubmit(submit({ sar_msg_ref_num: 0x1234, sar_total_segments: 2, sar_segment_seqnum: 1 }), 'acme', NOW, LIMITS);
  t.deepEqual(result, {
    ok: true,
    message: {
      account: 'acme',
      registeredDelivery: 1,
      validUntil: null,
      content: {
        sourceAddr: '998712000001',
        sourceTon: 1,
        sourceNpi: 1,
        destinationAddr: '998901234567',
        destTon: 1,
        destNpi: 1,
        esmClass: 0x40,
        protocolId: 0x3f,
        priorityFlag: 2,
        dataCoding: 8,
        shortMessage: Buffer.from('0500030a0201004800690021', 'hex'),
        tlvs: { sar_msg_ref_num: 0x1234, sar_total_segments: 2, sar_segment_seqnum: 1 },
        // From the UDH, which wins over the SAR TLVs when both are present.
        partOf: { reference: 0x0a, total: 2, seq: 1 },
      },
    },
  });
});

test('message_payload alone passes through, with an empty short_message', (t) => {
  const payload = Buffer.alloc(400, 0x41);
  const result = translateSubmit(submit({ esm_class: 0, data_coding: 0, short_message: Buffer.alloc(0), message_payload: payload }), 'acme', NOW, LIMITS);
  if (!result.ok) return t.fail(result.reason);
  t.deepEqual(result.message.content.tlvs, { message_payload: payload });
  t.is(result.message.content.shortMessage.length, 0);
});

test('no TLVs leaves content.tlvs absent', (t) => {
  const result = translateSubmit(submit(), 'acme', NOW, LIMITS);
  if (!result.ok) return t.fail(result.reason);
  t.false('tlvs' in result.message.content);
});

const refusals: [string, Record<string, unknown>, SubmitRefusal['code']][] = [
  ['empty destination', { destination_addr: '' }, 'BAD_DESTINATION'],
  ['letters in the destination', { destination_addr: '99890abc' }, 'BAD_DESTINATION'],
  ['a plus inside the destination', { destination_addr: '998+901234567' }, 'BAD_DESTINATION'],
  ['21 destination digits', { destination_addr: '1'.repeat(21) }, 'BAD_DESTINATION'],
  ['empty source', { source_addr: '' }, 'BAD_SOURCE'],
  ['12-character alphanumeric source', { source_addr_ton: 5, source_addr: 'ABCDEFGHIJKL' }, 'BAD_SOURCE'],
  ['letters in a numeric source', { source_addr_ton: 1, source_addr: 'ACME' }, 'BAD_SOURCE'],
  ['16-digit numeric source', { source_addr: '1234567890123456' }, 'BAD_SOURCE'],
  ['a control character in an alphanumeric source', { source_addr_ton: 5, source_addr: 'AC\nME' }, 'BAD_SOURCE'],
  ['255-octet short_message', { short_message: Buffer.alloc(255) }, 'MESSAGE_TOO_LONG'],
  ['short_message and message_payload both', { short_message: Buffer.from('hi'), message_payload: Buffer.from('there') }, 'MESSAGE_TOO_LONG'],
];

for (const [what, fields, code] of refusals) {
  test(`refused: ${what} → ${code}`, (t) => {
    const result = translateSubmit(submit(fields), 'acme', NOW, LIMITS);
    t.false(result.ok);
    if (!result.ok) t.is(result.code, code);
  });
}

const accepted: [string, Record<string, unknown>][] = [
  ['a destination with a leading +', { destination_addr: '+998901234567' }],
  ['an 11-character alphanumeric source', { source_addr_ton: 5, source_addr: 'Acme Bank 1' }],
  ['a 15-digit source with +', { source_addr: '+123456789012345' }],
  ['a short code', { source_addr_ton: 3, source_addr: '1234' }],
  ['a 254-octet short_message', { esm_class: 0, data_coding: 4, short_message: Buffer.alloc(254) }],
];

for (const [what, fields] of accepted) {
  test(`accepted: ${what}`, (t) => {
    t.true(translateSubmit(submit(fields), 'acme', NOW, LIMITS).ok);
  });
}

test('validity_period becomes validUntil', (t) => {
  const result = translateSubmit(submit({ validity_period: '000000010000000R' }), 'acme', NOW, LIMITS);
  if (!result.ok) return t.fail(result.reason);
  t.is(result.message.validUntil, NOW + 3600_000);
});

test('absolute SMPP times: UTC, positive and negative offsets, tenths', (t) => {
  t.is(parseSmppTime('260131120000000+', NOW), Date.UTC(2026, 0, 31, 12, 0, 0));
  // 17:00 at UTC+05:00 (20 quarter hours) is 12:00 UTC
  t.is(parseSmppTime('260131170000020+', NOW), Date.UTC(2026, 0, 31, 12, 0, 0));
  t.is(parseSmppTime('260131070000320-', NOW), Date.UTC(2026, 0, 31, 12, 0, 0, 300));
});

test('relative SMPP times add years, months, days, hours, minutes and seconds to now', (t) => {
  t.is(parseSmppTime('000000000130000R', NOW), NOW + 90_000);
  t.is(parseSmppTime('000002000000000R', NOW), Date.UTC(2026, 1, 2, 12, 0, 0));
  t.is(parseSmppTime('010100000000000R', NOW), Date.UTC(2027, 2, 3, 12, 0, 0)); // 31 Feb 2027 rolls into March
});

test('empty or unparseable SMPP times are null', (t) => {
  for (const bad of ['', '2601311200000', '260131120000000x', '261331120000000+', '260231120000000+', '260131250000000+', '260131120000049+', 'abcdefghijklmnoR']) {
    t.is(parseSmppTime(bad, NOW), null, bad);
  }
});

test('a broken UDH, SAR TLVs that do not add up, an odd-length UCS2 body: each refused with its status code', (t) => {
  const cases: [string, Record<string, unknown>, SubmitRefusal['code']][] = [
    ['a UDH longer than the message', { esm_class: 0x40, short_message: Buffer.from('0b00030a0201', 'hex') }, 'BAD_UDH'],
    ['a UDH part number 0', { esm_class: 0x40, short_message: Buffer.from('0500030a02000048', 'hex') }, 'BAD_UDH'],
    ['a UDH part number over the total', { esm_class: 0x40, short_message: Buffer.from('0500030a02030048', 'hex') }, 'BAD_UDH'],
    ['a SAR part number 0', { esm_class: 0, data_coding: 0, short_message: Buffer.from('hi'), sar_msg_ref_num: 7, sar_total_segments: 2, sar_segment_seqnum: 0 }, 'BAD_SAR'],
    ['a SAR part number over the total', { esm_class: 0, data_coding: 0, short_message: Buffer.from('hi'), sar_msg_ref_num: 7, sar_total_segments: 2, sar_segment_seqnum: 3 }, 'BAD_SAR'],
    ['SAR TLVs without the total', { esm_class: 0, data_coding: 0, short_message: Buffer.from('hi'), sar_msg_ref_num: 7, sar_segment_seqnum: 1 }, 'BAD_SAR'],
    ['an odd-length UCS2 body', { esm_class: 0, data_coding: 8, short_message: Buffer.from('004800', 'hex') }, 'BAD_MESSAGE_LENGTH'],
  ];
  for (const [what, fields, code] of cases) {
    const result = translateSubmit(submit(fields), 'acme', NOW, LIMITS);
    t.false(result.ok, what);
    if (!result.ok) {
      t.is(result.code, code, what);
      t.true(result.reason.length > 0, what);
    }
  }
  t.true(translateSubmit(submit(), 'acme', NOW, LIMITS).ok, 'the default: a valid UCS2 part with its UDH');
});

test('a message_payload over smpp.maxMessagePayloadOctets is MESSAGE_TOO_LONG, naming the setting', (t) => {
  const result = translateSubmit(submit({ esm_class: 0, data_coding: 0, short_message: Buffer.alloc(0), message_payload: Buffer.alloc(2_049, 0x41) }), 'acme', NOW, LIMITS);
  t.like(result, { ok: false, code: 'MESSAGE_TOO_LONG' });
  if (!result.ok) t.regex(result.reason, /2049 octets; at most 2048 .*maxMessagePayloadOctets/);
  t.true(translateSubmit(submit({ esm_class: 0, data_coding: 0, short_message: Buffer.alloc(0), message_payload: Buffer.alloc(2_048, 0x41) }), 'acme', NOW, LIMITS).ok);
});
