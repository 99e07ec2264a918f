/**
 * kill -9 of `maskgate start` under load, and a restart on the same stores, with an SMPP
 * client end to end (gateway-crash.test.ts does this for the gateway core alone): every
 * message the client got a submit_sm_resp 0 for gets its receipt through the gateway after
 * the restart. What may come twice is what the forwarder's at-least-once allows
 * (src/upstream/owed-forwarder.ts): a receipt whose acknowledgement was not yet
 * committed at the kill, at most the window of deliver_sm outstanding on the bind.
 */
import test from 'ava';
import { CLIENT, spawnDaemon, startCarrier, until, writeDaemonConfig } from '../helpers/daemon.js';
import { bindLedgerClient, ClientLedger, submitContinuously } from '../helpers/receipt-client.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('daemon-crash');
const DELIVERED = 2; // message_state
/** smpp.windowSize of the configuration (its default): deliver_sm outstanding per client bind. */
const CLIENT_WINDOW = 10;

test('kill -9 under load: after a restart every acknowledged message has its receipt; only receipts in flight come twice', async (t) => {
  const sim = await startCarrier(t, { dlr: { delayMs: { min: 0, max: 200 } } });
  const file = writeDaemonConfig(files, { name: 'crash', carrierPort: sim.port, smpp: { windowSize: CLIENT_WINDOW } });
  const ledger = new ClientLedger();

  const first = await spawnDaemon(t, file);
  await first.whileRunning(until(() => sim.counters.bindsAccepted >= 1));
  const client = await bindLedgerClient({ port: first.port, ...CLIENT, ledger, phase: 'first' });
  t.teardown(() => client.destroy('local'));
  const load = submitContinuously(client, ledger, { outstanding: 20 });
  await first.whileRunning(ledger.when(() => ledger.accepted.size >= 500 && ledger.receivedIn('first').size >= 100));

  first.child.kill('SIGKILL');
  t.is((await first.exited).signal, 'SIGKILL');
  const tally = await load.done; // the client's session died with the process
  const acknowledged = ledger.receivedIn('first');
  const owedAtKill = ledger.missing().length;

  const second = await spawnDaemon(t, file);
  const again = await bindLedgerClient({ port: second.port, ...CLIENT, ledger, phase: 'second' });
  t.teardown(() => again.destroy('local'));
  await second.whileRunning(ledger.when(() => ledger.missing().length === 0));

  const twice = [...ledger.receivedIn('second')].filter((id) => acknowledged.has(id));
  const unknown = [...ledger.receipts.keys()].filter((id) => !ledger.accepted.has(id));
  t.log(
    `accepted ${ledger.accepted.size} (unanswered at the kill ${tally.unanswered}); receipts before the kill ${acknowledged.size}, ` +
      `owed at the kill ${owedAtKill}; after the restart ${ledger.receivedIn('second').size}, of them ${twice.length} again and ${unknown.length} for ids the client never got`,
  );
  for (const id of ledger.accepted) t.true(ledger.receipts.get(id)!.every((r) => r.state === DELIVERED), `receipt of ${id}`);
  t.true(twice.length <= CLIENT_WINDOW, `${twice.length} acknowledged receipts came again, more than could be in flight`);
  // Within one run nothing repeats: the duplicates are only those the kill left unconfirmed.
  for (const [id, list] of ledger.receipts) t.is(new Set(list.map((r) => r.phase)).size, list.length, `receipts of ${id}`);
  // Unknown ids: submits committed whose submit_sm_resp died with the process, at most those outstanding.
  t.true(unknown.length <= tally.unanswered);

  await again.unbind();
  second.child.kill('SIGTERM');
  t.is((await second.exited).code, 0, second.stderr());
});
