import test from 'ava';
import { receiptDate, receiptFields, receiptText } from '../../src/upstream/receipt-pdu.js';

const SUBMITTED = Date.UTC(2026, 0, 2, 3, 4, 59);
const DONE = Date.UTC(2026, 10, 23, 17, 5, 1);

test('a delivered receipt has the standard text with our id, dlvrd 001 and an empty text field', (t) => {
  t.is(
    receiptText({ messageId: '0123456789abcdef', state: 'DELIVERED', errorCode: 0, submittedAt: SUBMITTED, doneAt: DONE }),
    'id:0123456789abcdef sub:001 dlvrd:001 submit date:2601020304 done date:2611231705 stat:DELIVRD err:000 text:',
  );
});

test('each final state maps to its stat; errors have three digits and saturate at 999', (t) => {
  const text = (state: Parameters<typeof receiptText>[0]['state'], errorCode: number) => receiptText({ messageId: 'x', state, errorCode, submittedAt: SUBMITTED, doneAt: DONE });
  t.regex(text('UNDELIVERABLE', 1), / dlvrd:000 .* stat:UNDELIV err:001 text:$/);
  t.regex(text('EXPIRED', 27), / stat:EXPIRED err:027 /);
  t.regex(text('REJECTED', 11), / stat:REJECTD err:011 /);
  t.regex(text('DELETED', 0), / stat:DELETED err:000 /);
  t.regex(text('UNKNOWN', 0), / stat:UNKNOWN /);
  t.regex(text('UNDELIVERABLE', 4_000), / err:999 /);
});

test('receipt dates are YYMMDDhhmm in UTC', (t) => {
  t.is(receiptDate(Date.UTC(2009, 8, 30, 23, 59, 59)), '0909302359');
});

test('the deliver_sm goes from the message destination back to its source, with the three TLVs', (t) => {
  const fields = receiptFields(
    { messageId: 'abc', state: 'UNDELIVERABLE', errorCode: 0x0102, submittedAt: SUBMITTED, doneAt: DONE },
    { sourceAddr: 'AcmeBank', sourceTon: 5, sourceNpi: 0, destinationAddr: '998901234567', destTon: 1, destNpi: 1 },
  );
  t.like(fields, { source_addr: '998901234567', source_addr_ton: 1, source_addr_npi: 1, destination_addr: 'AcmeBank', dest_addr_ton: 5, dest_addr_npi: 0, esm_class: 0x04, receipted_message_id: 'abc', message_state: 5 });
  t.deepEqual(fields.network_error_code, Buffer.from([3, 0x01, 0x02]));
  t.is((fields.short_message as Buffer).toString('latin1'), 'id:abc sub:001 dlvrd:000 submit date:2601020304 done date:2611231705 stat:UNDELIV err:258 text:');
});

test('without addresses (message purged) the receipt still carries our id', (t) => {
  const fields = receiptFields({ messageId: 'abc', state: 'DELIVERED', errorCode: 0, submittedAt: SUBMITTED, doneAt: DONE }, undefined);
  t.like(fields, { source_addr: '', destination_addr: '', receipted_message_id: 'abc', message_state: 2 });
  t.deepEqual(fields.network_error_code, Buffer.from([3, 0, 0]));
});
