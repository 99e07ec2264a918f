import test from 'ava';
import { PduFramer } from '../../src/smpp/framer.js';
import { encodePdu } from '../../src/smpp/codec.js';

test('frames PDUs split across chunks at every byte boundary', (t) => {
  const stream = Buffer.concat([encodePdu('enquire_link', 1), encodePdu('submit_sm', 2, { destination_addr: '998901234567', short_message: Buffer.from('hi') }), encodePdu('unbind', 3)]);
  for (let cut = 1; cut < stream.length; cut++) {
    const framer = new PduFramer(4096);
    const frames: Buffer[] = [];
    for (const chunk of [stream.subarray(0, cut), stream.subarray(cut)]) {
      framer.push(chunk);
      for (let f = framer.next(); f; f = framer.next()) {
        if (f.kind !== 'pdu') return t.fail(`bad frame at cut ${cut}`);
        frames.push(f.bytes);
      }
    }
    t.is(frames.length, 3, `cut at ${cut}`);
    t.deepEqual(Buffer.concat(frames), stream);
  }
  t.is(new PduFramer(16).bufferedBytes, 0);
});

test('a command_length of 2^31 is bad_length with the sequence from the header', (t) => {
  const framer = new PduFramer(65536);
  framer.push(Buffer.from('80000000000000040000000000000033', 'hex'));
  t.deepEqual(framer.next(), { kind: 'bad_length', commandLength: 0x80000000, sequenceNumber: 0x33 });
  framer.push(encodePdu('enquire_link', 1));
  t.is(framer.next(), null, 'nothing after a broken stream');
});

test('a command_length under 16 is bad_length with sequence 0', (t) => {
  const framer = new PduFramer(65536);
  framer.push(Buffer.from('0000000800000015', 'hex'));
  t.deepEqual(framer.next(), { kind: 'bad_length', commandLength: 8, sequenceNumber: 0 });
});

test('waits for the rest of a PDU without yielding', (t) => {
  const framer = new PduFramer(65536);
  const pdu = encodePdu('enquire_link', 9);
  framer.push(pdu.subarray(0, 10));
  t.is(framer.next(), null);
  t.is(framer.bufferedBytes, 10);
  framer.push(pdu.subarray(10));
  const f = framer.next();
  t.is(f?.kind, 'pdu');
});
