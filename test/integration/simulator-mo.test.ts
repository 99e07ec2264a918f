import test, { type ExecutionContext } from 'ava';
import { setTimeout as delay } from 'node:timers/promises';
import { startSimulator } from '../../simulators/smsc.js';
import type { Pdu } from '../../src/smpp/codec.js';
import { bindEsme, testNumber } from '../helpers/esme.js';
import { roundTrip } from '../helpers/sim-session.js';

async function setup(t: ExecutionContext) {
  const sim = await startSimulator({ port: 0 });
  t.teardown(() => sim.close());
  const esme = await bindEsme({ port: sim.port, mode: 'receiver' });
  t.teardown(() => esme.close());
  return { sim, esme };
}

const body = (pdu: Pdu | undefined) => (pdu?.short_message as Buffer | undefined) ?? Buffer.alloc(0);

function ucs2(octets: Buffer): string {
  return Buffer.from(octets).swap16().toString('utf16le');
}

/** Splits each part into its concatenation header fields and its text octets. */
function udhParts(pdus: Pdu[], kind: 'udh8' | 'udh16') {
  return pdus.map((p) => {
    const b = body(p);
    const headerLength = kind === 'udh8' ? 6 : 7;
    return {
      esm_class: p.esm_class,
      header: [...b.subarray(0, 3)],
      ref: kind === 'udh8' ? b[3]! : b.readUInt16BE(3),
      total: b[headerLength - 2]!,
      seq: b[headerLength - 1]!,
      text: b.subarray(headerLength),
    };
  });
}

test('a GSM-safe MO arrives as one deliver_sm, data_coding 0, the exact octets', async (t) => {
  const { sim, esme } = await setup(t);
  const from = testNumber();
  const to = testNumber();
  const text = 'Yes, 10:30 works (see you at #4)!';
  t.is(sim.injectMo({ from, to, text }), 1);
  const [mo] = await esme.nextDelivers(1);
  t.is(mo?.source_addr, from);
  t.is(mo?.destination_addr, to);
  t.is(mo?.data_coding, 0);
  t.is(mo?.esm_class, 0);
  t.deepEqual(body(mo), Buffer.from(text, 'ascii'));
  t.is(sim.counters.mosQueued, 1);
});

test('a non-GSM MO arrives as UCS2, data_coding 8, an emoji intact', async (t) => {
  const { esme, sim } = await setup(t);
  const text = 'Привет, мир 👋 ok';
  sim.injectMo({ from: testNumber(), to: testNumber(), text });
  const [mo] = await esme.nextDelivers(1);
  t.is(mo?.data_coding, 8);
  t.is(body(mo).length, text.length * 2);
  t.is(ucs2(body(mo)), text);
});

test('a long MO with udh8 comes in parts sharing one 8-bit reference', async (t) => {
  const { esme, sim } = await setup(t);
  const text = Array.from({ length: 40 }, (_, i) => `word${i} again`).join(' ').slice(0, 400);
  t.is(sim.injectMo({ from: testNumber(), to: testNumber(), text, concatenation: 'udh8' }), 3);
  const parts = udhParts(await esme.nextDelivers(3), 'udh8');
  for (const p of parts) {
    t.is(p.esm_class, 0x40);
    t.deepEqual(p.header, [0x05, 0x00, 0x03]);
    t.is(p.ref, parts[0]!.ref);
    t.is(p.total, 3);
  }
  parts.sort((a, b) => a.seq - b.seq);
  t.deepEqual(parts.map((p) => p.seq), [1, 2, 3]);
  t.true(parts.every((p) => p.text.length <= 153));
  t.is(Buffer.concat(parts.map((p) => p.text)).toString('ascii'), text);
});

test('a long UCS2 MO with udh16 never splits an emoji across parts, its reference using both octets', async (t) => {
  const sim = await startSimulator({ port: 0, accounts: [{ systemId: 'test', password: 'secret' }, { systemId: 'idle', password: 'secret' }] });
  t.teardown(() => sim.close());
  const esme = await bindEsme({ port: sim.port, mode: 'receiver' });
  t.teardown(() => esme.close());
  // 300 MOs held for an account with no bind move the reference past one octet.
  for (let i = 0; i < 300; i++) sim.injectMo({ from: testNumber(), to: testNumber(), text: 'x', systemId: 'idle' });
  // 66 units, then a surrogate pair that would straddle the 67-unit part boundary.
  const text = `${'ж'.repeat(66)}😀${'ж'.repeat(10)}`;
  t.is(sim.injectMo({ from: testNumber(), to: testNumber(), text, concatenation: 'udh16' }), 2);
  const parts = udhParts(await esme.nextDelivers(2), 'udh16').sort((a, b) => a.seq - b.seq);
  for (const p of parts) {
    t.deepEqual(p.header, [0x06, 0x08, 0x04]);
    t.is(p.ref, parts[0]!.ref);
    t.is(p.total, 2);
    t.is(p.esm_class, 0x40);
    const s = ucs2(p.text);
    t.false(/[\uD800-\uDBFF]$/.test(s), 'no part ends in a high surrogate');
    t.false(/^[\uDC00-\uDFFF]/.test(s), 'no part starts with a low surrogate');
  }
  t.is(parts.map((p) => ucs2(p.text)).join(''), text);
  t.true(parts[0]!.ref > 0xff, `reference ${parts[0]!.ref} fits one octet`);
});

test('a long MO with sar carries the SAR TLVs and no UDH', async (t) => {
  const { esme, sim } = await setup(t);
  const text = 'The quick brown fox jumps over the lazy dog. '.repeat(5);
  t.is(sim.injectMo({ from: testNumber(), to: testNumber(), text, concatenation: 'sar' }), 2);
  const parts = (await esme.nextDelivers(2)).sort((a, b) => Number(a.sar_segment_seqnum) - Number(b.sar_segment_seqnum));
  t.deepEqual(parts.map((p) => p.sar_segment_seqnum), [1, 2]);
  for (const p of parts) {
    t.is(p.esm_class, 0);
    t.is(p.data_coding, 0);
    t.is(p.sar_total_segments, 2);
    t.is(p.sar_msg_ref_num, parts[0]!.sar_msg_ref_num);
  }
  t.is(typeof parts[0]!.sar_msg_ref_num, 'number');
  t.is(Buffer.concat(parts.map(body)).toString('ascii'), text);
});

test('an MO to an account with no receiver bind is held until one binds', async (t) => {
  const sim = await startSimulator({ port: 0 });
  t.teardown(() => sim.close());
  const tx = await bindEsme({ port: sim.port, mode: 'transmitter' });
  t.teardown(() => tx.close());
  const from = testNumber();
  sim.injectMo({ from, to: testNumber(), text: 'are you there', systemId: 'test' });
  t.is(sim.counters.mosQueued, 1);
  t.is(sim.counters.mosSent, 0, 'a transmitter bind cannot take it');

  const rx = await bindEsme({ port: sim.port, mode: 'receiver' });
  t.teardown(() => rx.close());
  const [mo] = await rx.nextDelivers(1);
  t.is(mo?.source_addr, from);
  t.is(body(mo).toString('ascii'), 'are you there');
  await roundTrip(rx.session);
  t.is(sim.counters.mosSent, 1);
});

test('an MO load delivers to the given numbers until stopped', async (t) => {
  const { esme, sim } = await setup(t);
  const to = [testNumber(1_111_111), testNumber(2_222_222)];
  sim.startMoLoad({ msgPerSec: 200, to, text: 'load' });
  t.teardown(() => sim.stopMoLoad());
  const mos = await esme.nextDelivers(20);
  sim.stopMoLoad();
  t.is(mos.length, 20);
  t.deepEqual([...new Set(mos.map((m) => String(m.destination_addr)))].sort(), [...to].sort());
  t.true(mos.every((m) => body(m).toString('ascii') === 'load'));

  const queued = sim.counters.mosQueued;
  t.true(queued >= 20);
  // Absence takes time to show: a running load at 200 msg/s would queue about 100 more over
  // this wait, whose timer fires after the load's own 20 ms ticks would have.
  await delay(500);
  t.is(sim.counters.mosQueued, queued, 'nothing queued after stopMoLoad');
  const rest = await esme.nextDelivers(queued - 20);
  t.is(rest.length, queued - 20, 'what was queued before the stop is still delivered');
});
