/**
 * Bad input at the daemon's client listener costs only the offending connection: each
 * abuse is answered with the status a client expects or closed, connections that never
 * bind are closed at smpp.bindTimeoutMs, and all the while a bound client keeps submitting
 * and getting its receipts. bad-input.test.ts puts the simulator through the same table.
 */
import test, { type ExecutionContext } from 'ava';
import { encodePdu } from '../../src/smpp/codec.js';
import { STATUS } from '../../src/smpp/status.js';
import { FATAL_INPUTS, HALF_HEADER, OVERRUNNING_TLV, STALLED_PDU, UNKNOWN_COMMAND } from '../helpers/abusive-input.js';
import { CLIENT, startTestDaemon, until } from '../helpers/daemon.js';
import { bindEsme, testNumber, type TestEsme } from '../helpers/esme.js';
import { RawSmpp } from '../helpers/raw-smpp.js';
import { receiptSms } from '../helpers/receipt-client.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('daemon-bad-input');
const FLOOD = 200;

/**
 * A bound client that submits and awaits the receipt of that message, one at a time, until
 * stopped. Anything unexpected (an error status, a receipt for another id, a dead session)
 * is collected for the test to assert on, and ends the loop.
 */
function keepSubmitting(esme: TestEsme) {
  const problems: string[] = [];
  let rounds = 0;
  let stopped = false;
  let waiters: (() => void)[] = [];
  const wakeAll = () => {
    const w = waiters;
    waiters = [];
    w.forEach((resolve) => resolve());
  };
  const loop = (async () => {
    while (!stopped) {
      const resp = await esme.submit(receiptSms());
      if (resp.command_status !== STATUS.ESME_ROK) throw new Error(`submit answered 0x${resp.command_status.toString(16)}`);
      const [receipt] = await esme.nextDelivers(1);
      if (receipt!.receipted_message_id !== resp.message_id) throw new Error(`receipt for ${String(receipt!.receipted_message_id)}, expected ${String(resp.message_id)}`);
      rounds++;
      wakeAll();
    }
  })().catch((err: unknown) => {
    problems.push(err instanceof Error ? err.message : String(err));
    stopped = true;
    wakeAll();
  });
  const nextRound = () => (stopped ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)));
  return {
    problems,
    get rounds() {
      return rounds;
    },
    /** Resolves after one whole submit → receipt round trip begun after this call. */
    async roundAfter(): Promise<void> {
      await nextRound();
      await nextRound();
    },
    async stop(): Promise<void> {
      stopped = true;
      await loop;
    },
  };
}

/** The daemon with a good client bound and submitting, one round of traffic done. */
async function daemonWithTraffic(t: ExecutionContext, name: string, smpp?: Record<string, unknown>) {
  const { daemon } = await startTestDaemon(t, files, { name, ...(smpp ? { smpp } : {}) });
  const port = daemon.listener.port;
  const good = await bindEsme({ port, ...CLIENT });
  t.teardown(() => good.close());
  const traffic = keepSubmitting(good);
  t.teardown(() => traffic.stop());
  await traffic.roundAfter();
  return { daemon, port, traffic };
}

test('abusive input at the client listener is answered or closed; a bound client keeps submitting and getting receipts', async (t) => {
  const { daemon, port, traffic } = await daemonWithTraffic(t, 'abuse');

  // Fatal framing: generic_nack 0x02 carrying the header's sequence number, then close.
  for (const { what, bytes, sequence } of FATAL_INPUTS) {
    const raw = await RawSmpp.connect(port);
    t.teardown(() => raw.close());
    raw.writeRaw(bytes);
    const nack = await raw.next();
    t.like(nack, { command: 'generic_nack', command_status: STATUS.ESME_RINVCMDLEN, sequence_number: sequence }, what);
    await raw.closed; // closed by the gateway: the test never closes it first
    await traffic.roundAfter();
  }

  // Recoverable: answered, and the same connection goes on. A transmitter, so that the
  // good client's receipts never go to this one.
  const raw = await RawSmpp.connect(port);
  t.teardown(() => raw.close());
  t.like(await raw.request('submit_sm', { destination_addr: testNumber(), short_message: Buffer.from('x') }), {
    command: 'submit_sm_resp',
    command_status: STATUS.ESME_RINVBNDSTS,
  });
  raw.writeRaw(UNKNOWN_COMMAND.bytes);
  t.like(await raw.next(), { command: 'generic_nack', command_status: STATUS.ESME_RINVCMDID, sequence_number: UNKNOWN_COMMAND.sequence });
  t.is((await raw.request('bind_transmitter', { system_id: CLIENT.systemId, password: CLIENT.password })).command_status, STATUS.ESME_ROK);
  const submit = encodePdu('submit_sm', 0x41, receiptSms());
  const broken = Buffer.concat([submit, OVERRUNNING_TLV]);
  broken.writeUInt32BE(broken.length, 0);
  raw.writeRaw(broken);
  t.like(await raw.next(), { command: 'submit_sm_resp', sequence_number: 0x41, command_status: STATUS.ESME_RINVTLVSTREAM });
  t.is((await raw.request('enquire_link')).command, 'enquire_link_resp', 'the session survived all of it');
  await traffic.roundAfter();
  raw.close();

  // Half a header, then the peer vanishes: nothing to answer, nothing breaks.
  const half = await RawSmpp.connect(port);
  half.writeRaw(HALF_HEADER);
  half.close();
  await half.closed;
  await traffic.roundAfter();

  await until(() => daemon.listener.sessions.size === 1);
  await traffic.stop();
  t.deepEqual(traffic.problems, []);
  t.is(daemon.listener.registry.count(CLIENT.systemId), 1, 'only the good client is bound');
});

test('a flood of connections that never bind is closed at bindTimeoutMs; a bound client is unaffected', async (t) => {
  // Short, to keep the test quick; the good client binds before the flood, alone.
  const { daemon, port, traffic } = await daemonWithTraffic(t, 'flood', { bindTimeoutMs: 1_000 });

  const peers = await Promise.all(Array.from({ length: FLOOD }, () => RawSmpp.connect(port)));
  t.teardown(() => peers.forEach((p) => p.close()));
  // Three kinds: silent; talking (an enquire_link is allowed before a bind) but never
  // binding; and stuck in the middle of a PDU that never completes.
  let talked = 0;
  peers.forEach((peer, i) => {
    if (i % 3 === 1) {
      peer.request('enquire_link').then(
        (resp) => (talked += resp.command === 'enquire_link_resp' ? 1 : 0),
        () => undefined, // the bind timeout may come first on a slow machine
      );
    } else if (i % 3 === 2) {
      peer.writeRaw(STALLED_PDU);
    }
  });
  // Only the gateway can end these connections: the test closes none of them before this.
  await Promise.all(peers.map((p) => p.closed));
  t.log(`${FLOOD} connections closed by the gateway (${talked} had their enquire_link answered first)`);

  await traffic.roundAfter();
  await until(() => daemon.listener.sessions.size === 1);
  await traffic.stop();
  t.deepEqual(traffic.problems, []);
  t.true(traffic.rounds > 0);
  t.is(daemon.listener.registry.count(CLIENT.systemId), 1, 'the good client is still bound');
});
