import test from 'ava';
import { carrierIdKey, parseReceipt } from '../../src/carriers/receipt-parser.js';
import type { MessageState } from '../../src/messages/types.js';

const RECEIPT = 0x04;
const text = (s: string) => Buffer.from(s, 'latin1');
/** network_error_code: type (3 = GSM), then the error, big-endian. */
const networkError = (type: number, error: number) => Buffer.from([type, error >> 8, error & 0xff]);

test('the standard SMPP 3.4 Appendix B text', (t) => {
  const r = parseReceipt({
    esm_class: RECEIPT,
    short_message: text('id:0123456789 sub:001 dlvrd:001 submit date:2401151230 done date:2401151231 stat:DELIVRD err:000 text:Hello there'),
  });
  t.deepEqual(r, { carrierMessageId: '0123456789', state: 'DELIVERED', stat: 'DELIVRD', errorCode: 0, submitDate: '2401151230', doneDate: '2401151231' });
});

test('every stat spelling maps to its state', (t) => {
  const cases: [string, MessageState][] = [
    ['DELIVRD', 'DELIVERED'],
    ['DELIVERED', 'DELIVERED'],
    ['UNDELIV', 'UNDELIVERABLE'],
    ['UNDELIVERABLE', 'UNDELIVERABLE'],
    ['EXPIRED', 'EXPIRED'],
    ['DELETED', 'DELETED'],
    ['REJECTD', 'REJECTED'],
    ['REJECTED', 'REJECTED'],
    ['ACCEPTD', 'ACCEPTED'],
    ['ACCEPTED', 'ACCEPTED'],
    ['UNKNOWN', 'UNKNOWN'],
    ['ENROUTE', 'ENROUTE'],
    ['delivrd', 'DELIVERED'],
    ['FAILED', 'UNKNOWN'],
  ];
  for (const [stat, state] of cases) {
    const r = parseReceipt({ esm_class: RECEIPT, short_message: text(`id:1 stat:${stat} err:0`) });
    t.is(r?.state, state, stat);
    t.is(r?.stat, stat);
  }
});

test('vendor variant: keys in any case, Text: capitalised, fields reordered', (t) => {
  const r = parseReceipt({ esm_class: RECEIPT, short_message: text('ID:AB12 Stat:UNDELIV Err:011 Sub:001 Dlvrd:000 Submit Date:2401151230 Done Date:2401151231 Text:hi') });
  t.deepEqual(r, { carrierMessageId: 'AB12', state: 'UNDELIVERABLE', stat: 'UNDELIV', errorCode: 11, submitDate: '2401151230', doneDate: '2401151231' });
});

test('vendor variant: submit_date and done_date with underscores', (t) => {
  const r = parseReceipt({ esm_class: RECEIPT, short_message: text('id:42 sub:001 dlvrd:001 submit_date:2401151230 done_date:2401151245 stat:DELIVRD err:000') });
  t.like(r, { submitDate: '2401151230', doneDate: '2401151245', state: 'DELIVERED' });
});

test('vendor variant: submitdate without a space, 12-digit dates, dashed ids, decimal err', (t) => {
  const r = parseReceipt({
    esm_class: RECEIPT,
    short_message: text('id:0118Z-0122I-2309U-57DGB sub:000 dlvrd:000 submitdate:180122230957 donedate:000000000000 stat:REJECTD err:375 text:'),
  });
  t.deepEqual(r, { carrierMessageId: '0118Z-0122I-2309U-57DGB', state: 'REJECTED', stat: 'REJECTD', errorCode: 375, submitDate: '180122230957', doneDate: '000000000000' });
});

test('vendor variant: extra spaces, a space after the colon, unknown fields', (t) => {
  const r = parseReceipt({ esm_class: RECEIPT, short_message: text('  id: 77   sub:001  dlvrd:001 imsi:250011234567890  submit  date:2401151230 done date:2401151231   stat: EXPIRED err:0  ') });
  t.deepEqual(r, { carrierMessageId: '77', state: 'EXPIRED', stat: 'EXPIRED', errorCode: 0, submitDate: '2401151230', doneDate: '2401151231' });
});

test('vendor variant: missing fields, and an empty value does not swallow the next field', (t) => {
  const r = parseReceipt({ esm_class: RECEIPT, short_message: text('id:5 sub: dlvrd: stat:DELIVRD') });
  t.deepEqual(r, { carrierMessageId: '5', state: 'DELIVERED', stat: 'DELIVRD', errorCode: 0 });
  const noStat = parseReceipt({ esm_class: RECEIPT, short_message: text('id:5') });
  t.deepEqual(noStat, { carrierMessageId: '5', state: 'UNKNOWN', stat: null, errorCode: 0 });
});

test('vendor variant: err in hex, with letters or a 0x prefix', (t) => {
  t.is(parseReceipt({ esm_class: RECEIPT, short_message: text('id:1 stat:UNDELIV err:00B') })?.errorCode, 0x0b);
  t.is(parseReceipt({ esm_class: RECEIPT, short_message: text('id:1 stat:UNDELIV err:0x1F') })?.errorCode, 0x1f);
  t.is(parseReceipt({ esm_class: RECEIPT, short_message: text('id:1 stat:UNDELIV err:010') })?.errorCode, 10, 'all digits read as decimal');
  t.is(parseReceipt({ esm_class: RECEIPT, short_message: text('id:1 stat:UNDELIV err:zz') })?.errorCode, 0);
});

test('nothing after text: is read as a field', (t) => {
  const r = parseReceipt({ esm_class: RECEIPT, short_message: text('id:9 stat:UNDELIV text: err:999 done date:2401151231 see you') });
  t.deepEqual(r, { carrierMessageId: '9', state: 'UNDELIVERABLE', stat: 'UNDELIV', errorCode: 0 });
  const onlyText = parseReceipt({ esm_class: RECEIPT, receipted_message_id: '9', message_state: 2, short_message: text('Text: stat:EXPIRED id:1') });
  t.deepEqual(onlyText, { carrierMessageId: '9', state: 'DELIVERED', stat: null, errorCode: 0 });
});

test('receipt text in message_payload, and text sent as UCS2', (t) => {
  t.like(parseReceipt({ esm_class: RECEIPT, short_message: Buffer.alloc(0), message_payload: text('id:31 stat:DELIVRD err:000') }), { carrierMessageId: '31', state: 'DELIVERED' });
  t.like(parseReceipt({ esm_class: RECEIPT, short_message: Buffer.from('id:32 stat:EXPIRED err:000', 'utf16le').swap16() }), { carrierMessageId: '32', state: 'EXPIRED' });
});

test('TLVs only: receipted_message_id, message_state, network_error_code', (t) => {
  const states: MessageState[] = ['ENROUTE', 'DELIVERED', 'EXPIRED', 'DELETED', 'UNDELIVERABLE', 'ACCEPTED', 'UNKNOWN', 'REJECTED'];
  states.forEach((state, i) => {
    const r = parseReceipt({ esm_class: RECEIPT, receipted_message_id: '1a2b', message_state: i + 1 });
    t.deepEqual(r, { carrierMessageId: '1a2b', state, stat: null, errorCode: 0 }, `message_state ${i + 1}`);
  });
  const withError = parseReceipt({ esm_class: RECEIPT, receipted_message_id: '1a2b', message_state: 5, network_error_code: networkError(3, 0x0102) });
  t.is(withError?.errorCode, 0x0102);
});

test('TLVs win over the text when both are present', (t) => {
  const r = parseReceipt({
    esm_class: RECEIPT,
    short_message: text('id:0000000100 sub:001 dlvrd:000 submit date:2401151230 done date:2401151231 stat:DELIVRD err:000 text:'),
    receipted_message_id: '64',
    message_state: 5,
    network_error_code: networkError(3, 27),
  });
  t.deepEqual(r, { carrierMessageId: '64', state: 'UNDELIVERABLE', stat: 'DELIVRD', errorCode: 27, submitDate: '2401151230', doneDate: '2401151231' });
});

test('an unknown message_state falls back to the text, then to UNKNOWN', (t) => {
  t.is(parseReceipt({ esm_class: RECEIPT, receipted_message_id: '1', message_state: 9, short_message: text('stat:EXPIRED') })?.state, 'EXPIRED');
  t.is(parseReceipt({ esm_class: RECEIPT, receipted_message_id: '1', message_state: 9 })?.state, 'UNKNOWN');
});

test('a short network_error_code is ignored in favour of err:', (t) => {
  t.is(parseReceipt({ esm_class: RECEIPT, short_message: text('id:1 err:005'), network_error_code: Buffer.from([3, 1]) })?.errorCode, 5);
});

test('not a receipt: null', (t) => {
  t.is(parseReceipt({ esm_class: 0x00, short_message: text('Hello, see you at 5') }), null, 'an ordinary MO');
  t.is(parseReceipt({ esm_class: 0x08, short_message: text('id:1 stat:DELIVRD') }), null, 'an SME delivery acknowledgement');
  t.is(parseReceipt({ short_message: text('id:1 stat:DELIVRD') }), null, 'no esm_class at all');
  t.is(parseReceipt({ esm_class: 0x00, receipted_message_id: 'TICKET-1', short_message: text('Help') }), null, 'an MO carrying a ticket id only');
});

test('receipt TLVs make a receipt without the esm_class flag; UDHI and other bits do not hide the flag', (t) => {
  t.like(parseReceipt({ esm_class: 0x00, receipted_message_id: 'ff', message_state: 2 }), { carrierMessageId: 'ff', state: 'DELIVERED' });
  t.like(parseReceipt({ esm_class: 0x44, short_message: text('id:7 stat:DELIVRD') }), { carrierMessageId: '7' });
});

test('a receipt with no id anywhere cannot be matched: null', (t) => {
  t.is(parseReceipt({ esm_class: RECEIPT, short_message: text('sub:001 dlvrd:001 stat:DELIVRD err:000') }), null);
  t.is(parseReceipt({ esm_class: RECEIPT, receipted_message_id: '  ', short_message: text('id: stat:DELIVRD') }), null);
});

test('carrierIdKey at a hex carrier: resp and receipt both read as hex', (t) => {
  t.is(carrierIdKey('1A2B', 'resp', 'hex'), '6699');
  t.is(carrierIdKey('1a2b', 'receipt', 'hex'), '6699');
  t.is(carrierIdKey('00001a2b', 'receipt', 'hex'), '6699', 'leading zeros never matter');
  t.is(carrierIdKey('10', 'resp', 'hex'), '16', 'all digits are still hex here');
  t.is(carrierIdKey('10', 'receipt', 'hex'), '16');
});

test('carrierIdKey at a decimal carrier: the Kannel habit, hex resp and decimal receipt, meet', (t) => {
  // The resp says 0x62C3D9E1, the receipt the same value in decimal, zero-padded.
  t.is(carrierIdKey('62c3d9e1', 'resp', 'decimal'), '1657002465');
  t.is(carrierIdKey('1657002465', 'receipt', 'decimal'), '1657002465');
  t.is(carrierIdKey('001657002465', 'receipt', 'decimal'), '1657002465');
  // Decimal in both places.
  t.is(carrierIdKey('0000012345', 'resp', 'decimal'), '12345');
  t.is(carrierIdKey('12345', 'receipt', 'decimal'), '12345');
  // A receipt id with hex letters at a 'decimal' carrier echoes a hex resp id.
  t.is(carrierIdKey('ABC', 'receipt', 'decimal'), carrierIdKey('abc', 'resp', 'decimal'));
});

test('carrierIdKey: the known limit of an all-digit hex resp id at a decimal carrier', (t) => {
  // 0x123 is 291; the resp id "123" is read as decimal, so it does not meet receipt "291".
  t.not(carrierIdKey('123', 'resp', 'decimal'), carrierIdKey('291', 'receipt', 'decimal'));
});

test('carrierIdKey: ids that are neither hex nor decimal are their own lower-cased key', (t) => {
  const uuid = '16FD2706-8BAF-433B-82EB-8C7FADA847DA';
  for (const format of ['hex', 'decimal'] as const) {
    t.is(carrierIdKey(uuid, 'resp', format), uuid.toLowerCase());
    t.is(carrierIdKey(uuid.toLowerCase(), 'receipt', format), uuid.toLowerCase());
    t.is(carrierIdKey('0118Z-0122I', 'receipt', format), '0118z-0122i');
  }
  t.is(carrierIdKey(' 1a2b ', 'receipt', 'hex'), '6699', 'surrounding spaces are not part of the id');
});

test('carrierIdKey handles ids longer than a double can hold exactly', (t) => {
  t.is(carrierIdKey('ffffffffffffffffff', 'resp', 'hex'), (2n ** 72n - 1n).toString());
  t.is(carrierIdKey('004722366482869645213695', 'receipt', 'decimal'), '4722366482869645213695');
});
