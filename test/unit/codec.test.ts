import test from 'ava';
import { CodecError, decodePdu, encodePdu, encodeGenericNack } from '../../src/smpp/codec.js';
import { STATUS } from '../../src/smpp/status.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('decodes a submit_sm from hex, every field, octets kept as octets', (t) => {
  // submit_sm seq 7: service_type "", src 1/1 "12345", dst 1/1 "998901234567", esm 0, pid 0,
  // prio 0, sched "", validity "", reg 1, replace 0, dcs 0, default 0, sm_length 5 "hello"
  const body =
    '00' + '0101' + '313233343500' + '0101' + '39393839303132333435363700' + '00' + '00' + '00' + '00' + '00' + '01' + '00' + '00' + '00' + '05' + '68656c6c6f';
  const length = 16 + body.length / 2;
  const frame = hex(length.toString(16).padStart(8, '0') + '00000004' + '00000000' + '00000007' + body);
  const pdu = decodePdu(frame);
  t.is(pdu.command, 'submit_sm');
  t.is(pdu.sequence_number, 7);
  t.is(pdu.command_status, 0);
  t.is(pdu.service_type, '');
  t.is(pdu.source_addr_ton, 1);
  t.is(pdu.source_addr_npi, 1);
  t.is(pdu.source_addr, '12345');
  t.is(pdu.destination_addr, '998901234567');
  t.is(pdu.esm_class, 0);
  t.is(pdu.registered_delivery, 1);
  t.is(pdu.data_coding, 0);
  t.is(pdu.validity_period, '');
  t.deepEqual(pdu.short_message, Buffer.from('hello'));
  t.is(pdu.unknown_tlvs, undefined);
});

test('encode then decode round-trips a deliver_sm with TLVs, including unknown ones', (t) => {
  const fields = {
    source_addr: '998901112233',
    destination_addr: '12345',
    esm_class: 0x04,
    short_message: Buffer.from('id:ABC sub:001 dlvrd:001'),
    receipted_message_id: 'ABC',
    message_state: 2,
    network_error_code: Buffer.from([3, 0, 0]),
    unknown_tlvs: [{ tag: 0x1403, value: Buffer.from('vendor') }],
  };
  const bytes = encodePdu('deliver_sm', 42, fields);
  t.is(bytes.readUInt32BE(0), bytes.length);
  const pdu = decodePdu(bytes);
  t.is(pdu.command, 'deliver_sm');
  t.is(pdu.sequence_number, 42);
  t.is(pdu.esm_class, 4);
  t.deepEqual(pdu.short_message, fields.short_message);
  t.is(pdu.receipted_message_id, 'ABC');
  t.is(pdu.message_state, 2);
  t.deepEqual(pdu.network_error_code, Buffer.from([3, 0, 0]));
  t.deepEqual(pdu.unknown_tlvs, [{ tag: 0x1403, value: Buffer.from('vendor') }]);
});

test('an error response with no fields encodes header only and decodes leniently', (t) => {
  const bytes = encodePdu('submit_sm_resp', 9, {}, STATUS.ESME_RTHROTTLED);
  t.deepEqual(bytes, hex('00000010 80000004 00000058 00000009'));
  const pdu = decodePdu(bytes);
  t.is(pdu.command, 'submit_sm_resp');
  t.is(pdu.command_status, 0x58);
  t.is(pdu.message_id, undefined);
});

test('generic_nack encodes the status and sequence', (t) => {
  t.deepEqual(encodeGenericNack(5, STATUS.ESME_RINVCMDID), hex('00000010 80000000 00000003 00000005'));
});

test('a request whose body stops mid-field is a fatal ESME_RINVCMDLEN', (t) => {
  // bind_transmitter with system_id "ab" and no terminator before the end
  const frame = hex('00000012 00000002 00000000 00000001 6162');
  const err = t.throws(() => decodePdu(frame), { instanceOf: CodecError });
  t.is(err?.status, STATUS.ESME_RINVCMDLEN);
  t.true(err?.fatal);
});

test('a TLV running past the PDU end is ESME_RINVTLVSTREAM, not fatal', (t) => {
  const good = encodePdu('enquire_link', 3);
  const frame = Buffer.concat([good, hex('0427 0005 01')]);
  frame.writeUInt32BE(frame.length, 0);
  const err = t.throws(() => decodePdu(frame), { instanceOf: CodecError });
  t.is(err?.status, STATUS.ESME_RINVTLVSTREAM);
  t.false(err?.fatal);
});

test('an unknown command id decodes as "unknown" with its header', (t) => {
  const pdu = decodePdu(hex('00000010 0000BEEF 00000000 0000000A'));
  t.is(pdu.command, 'unknown');
  t.is(pdu.command_id, 0xbeef);
  t.is(pdu.sequence_number, 10);
});

test('short_message over 255 octets is refused at encode', (t) => {
  t.throws(() => encodePdu('submit_sm', 1, { short_message: Buffer.alloc(256) }), { instanceOf: RangeError, message: /message_payload/ });
});

test('bind_transceiver_resp keeps the system_id and cstring is latin1-lossless', (t) => {
  const pdu = decodePdu(encodePdu('bind_transceiver_resp', 1, { system_id: 'SMSC\u00e9' }));
  t.is(pdu.system_id, 'SMSC\u00e9');
});
