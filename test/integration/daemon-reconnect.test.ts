/**
 * Receipts across a client reconnect, through the whole daemon and many messages
 * (receipt-forwarding.test.ts covers the forwarder's rules one receipt at a time): what is
 * produced while the account has no receiver bind is stored and delivered at its next
 * bind, none lost; a receipt the client acknowledged is never sent again, except, after a
 * connection that died without an unbind, the few that were in flight at that moment (the
 * forwarder's at-least-once: src/upstream/owed-forwarder.ts).
 */
import test from 'ava';
import { CLIENT, startTestDaemon, until } from '../helpers/daemon.js';
import { bindLedgerClient, ClientLedger, submitContinuously } from '../helpers/receipt-client.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('daemon-reconnect');
/** Receipts come over a few hundred ms, so some are still on their way when a client goes. */
const SPREAD_RECEIPTS = { dlr: { delayMs: { min: 0, max: 300 } } };
const DELIVERED = 2; // message_state

test('receipts produced while no receiver is bound wait and arrive at the next bind, each exactly once', async (t) => {
  const { daemon, config } = await startTestDaemon(t, files, { name: 'unbind', behaviour: SPREAD_RECEIPTS });
  const { port } = daemon.listener;
  const { store } = daemon.gateway;
  const ledger = new ClientLedger();

  // A transceiver submits, acknowledges some receipts, and unbinds while others are due.
  const first = await bindLedgerClient({ port, ...CLIENT, ledger, phase: 'first' });
  t.teardown(() => (first.closed ? undefined : first.unbind()));
  await submitContinuously(first, ledger, { outstanding: 10, count: 100 }).done;
  await ledger.when(() => ledger.receivedIn('first').size >= 10);
  await first.unbind();

  // A transmitter cannot take receipts: all of these are produced with no receiver bound.
  const sender = await bindLedgerClient({ port, ...CLIENT, ledger, phase: 'transmitter', mode: 'transmitter' });
  t.teardown(() => (sender.closed ? undefined : sender.unbind()));
  await submitContinuously(sender, ledger, { outstanding: 10, count: 100 }).done;
  await sender.unbind();
  t.is(ledger.accepted.size, 200);

  // Everything final; what the first client acknowledged is deleted, the rest is on disk.
  const ids = [...ledger.accepted];
  await until(() => ids.every((id) => (daemon.gateway.status(id)?.doneAt ?? null) !== null));
  const acknowledged = ledger.receivedIn('first');
  await until(() => store.owedReceipts(CLIENT.systemId, 0, 1_000).length === ids.length - acknowledged.size);
  const owed = new Set(store.owedReceipts(CLIENT.systemId, 0, 1_000).map((r) => r.messageId));
  t.true(owed.size >= 100, 'the transmitter\'s receipts at least wait on disk');
  t.deepEqual([...owed].filter((id) => acknowledged.has(id)), [], 'an acknowledged receipt is owed no more');

  // A receiver binds: exactly what was owed arrives, once each.
  const receiver = await bindLedgerClient({ port, ...CLIENT, ledger, phase: 'receiver', mode: 'receiver' });
  t.teardown(() => (receiver.closed ? undefined : receiver.unbind()));
  await ledger.when(() => ledger.missing().length === 0);
  await until(() => store.owedReceipts(CLIENT.systemId, 0, 1_000).length === 0);
  t.deepEqual([...ledger.receivedIn('receiver')].sort(), [...owed].sort());
  for (const id of ids) t.deepEqual(ledger.receipts.get(id)?.map((r) => r.state), [DELIVERED], `one receipt for ${id}`);
  t.is(ledger.receipts.size, ids.length, 'no receipt for a message the client does not know');
  t.log(`${acknowledged.size} receipts before the unbind, ${owed.size} after the rebind (smpp.windowSize ${config.smpp.windowSize})`);
});

test('a connection that dies mid-flow: every receipt arrives after the rebind; only those in flight may come twice', async (t) => {
  const { daemon, config } = await startTestDaemon(t, files, { name: 'drop', behaviour: SPREAD_RECEIPTS });
  const { port } = daemon.listener;
  const ledger = new ClientLedger();

  const first = await bindLedgerClient({ port, ...CLIENT, ledger, phase: 'first' });
  t.teardown(() => first.destroy('local'));
  const load = submitContinuously(first, ledger, { outstanding: 10, count: 200 });
  await ledger.when(() => ledger.receivedIn('first').size >= 20);
  // No unbind: the socket is gone, with whatever was in flight either way.
  first.destroy('local');
  await load.done;
  const acknowledgedBefore = ledger.receivedIn('first');

  const again = await bindLedgerClient({ port, ...CLIENT, ledger, phase: 'again' });
  t.teardown(() => (again.closed ? undefined : again.unbind()));
  await ledger.when(() => ledger.missing().length === 0);
  await until(() => daemon.gateway.store.owedReceipts(CLIENT.systemId, 0, 1_000).length === 0);

  const twice = [...ledger.receivedIn('again')].filter((id) => acknowledgedBefore.has(id));
  t.log(`${ledger.accepted.size} accepted, ${acknowledgedBefore.size} receipts before the drop, ${twice.length} of them again after it`);
  // At most a window of deliver_sm is outstanding per receiver bind: only those can repeat.
  t.true(twice.length <= config.smpp.windowSize, `${twice.length} receipts came twice`);
  for (const id of ledger.accepted) t.true(ledger.receipts.get(id)!.every((r) => r.state === DELIVERED), `receipt of ${id}`);
  // Nothing else repeats: at most one receipt per phase for any message.
  for (const [id, list] of ledger.receipts) t.is(new Set(list.map((r) => r.phase)).size, list.length, `receipts of ${id}`);
});
