/**
 * SIGTERM under load, through `maskgate start` and an SMPP client end to end: the daemon
 * drains and exits 0, and after a restart on the same stores every message the client got
 * a submit_sm_resp 0 for reaches a final state and its receipt reaches the client again
 * bound. The drain lets the receipts in flight get their answers before the listener
 * closes (src/main.ts, stop), and a receipt's row is deleted once its acknowledgement is
 * committed (src/upstream/owed-forwarder.ts): so no receipt the client acknowledged
 * before the restart comes again. The listener answers every submit it read, then unbinds
 * the client (src/upstream/client-session.ts, close).
 */
import test from 'ava';
import { once } from 'node:events';
import type { SessionClose } from '../../src/smpp/session.js';
import { CLIENT, spawnDaemon, startCarrier, until, writeDaemonConfig } from '../helpers/daemon.js';
import { bindLedgerClient, ClientLedger, submitContinuously } from '../helpers/receipt-client.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('daemon-shutdown');
const DELIVERED = 2; // message_state

test('SIGTERM under load: exit 0; after a restart every acknowledged message has its receipt, none twice', async (t) => {
  // Receipts a little behind their messages, so some are still owed by the carrier at the stop.
  const sim = await startCarrier(t, { dlr: { delayMs: { min: 0, max: 200 } } });
  const file = writeDaemonConfig(files, { name: 'term', carrierPort: sim.port });
  const ledger = new ClientLedger();

  const first = await spawnDaemon(t, file);
  await first.whileRunning(until(() => sim.counters.bindsAccepted >= 1));
  const client = await bindLedgerClient({ port: first.port, ...CLIENT, ledger, phase: 'first' });
  t.teardown(() => client.destroy('local'));
  const clientClosed = once(client, 'close') as Promise<[SessionClose]>;
  const load = submitContinuously(client, ledger, { outstanding: 20 });
  await first.whileRunning(ledger.when(() => ledger.accepted.size >= 500 && ledger.receivedIn('first').size >= 100));

  first.child.kill('SIGTERM');
  const tally = await load.done; // the drain closes the client's session; the loop ends with it
  const { code } = await first.exited;
  t.is(code, 0, first.stderr());
  const [{ reason: clientCloseReason }] = await clientClosed;
  const acknowledged = ledger.receivedIn('first');
  const owedAtStop = ledger.missing().length;

  const second = await spawnDaemon(t, file);
  const again = await bindLedgerClient({ port: second.port, ...CLIENT, ledger, phase: 'second' });
  t.teardown(() => again.destroy('local'));
  await second.whileRunning(ledger.when(() => ledger.missing().length === 0));
  const unknown = [...ledger.receipts.keys()].filter((id) => !ledger.accepted.has(id));
  t.log(
    `accepted ${ledger.accepted.size} (refused ${tally.refused}, unanswered at the stop ${tally.unanswered}, the client's session ended by ${clientCloseReason}); ` +
      `receipts before the stop ${acknowledged.size}, owed at the stop ${owedAtStop}, after the restart ${ledger.receivedIn('second').size}, ` +
      `${unknown.length} of them for messages stored whose submit_sm_resp never came`,
  );

  for (const id of ledger.accepted) t.true(ledger.receipts.get(id)!.every((r) => r.state === DELIVERED), `receipt of ${id}`);
  t.deepEqual([...ledger.receivedIn('second')].filter((id) => acknowledged.has(id)), [], 'no acknowledged receipt comes again');
  for (const [id, list] of ledger.receipts) t.is(list.length, 1, `receipts of ${id}`);
  // The drain answers every submit it read before it unbinds the client: no message is
  // stored without the client knowing its id (it would resubmit it: a duplicate SMS).
  t.is(clientCloseReason, 'unbind', 'the gateway unbound the client');
  t.is(tally.unanswered, 0, 'every submit got a response');
  t.deepEqual(unknown, [], 'no receipt for a message the client was not told about');

  await again.unbind();
  second.child.kill('SIGTERM');
  t.is((await second.exited).code, 0, second.stderr());
});
