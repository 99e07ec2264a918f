/**
 * Operating a running daemon from the CLI: binds (accepted, refused, and an address locked
 * out) and the configuration it started on in the audit trail; `maskgate status` showing the
 * carrier binds, queue depths, rates and recent errors the daemon publishes; and
 * `maskgate messages show|list` for messages sent through it, never showing a number.
 */
import test, { type ExecutionContext } from 'ava';
import { loadConfig } from '../../src/config/loader.js';
import { startDaemon } from '../../src/main.js';
import type { MessageSummary, MessageView } from '../../src/messages/message-read-model.js';
import { queueDepths } from '../../src/messages/queue-depths.js';
import type { AuditRow } from '../../src/obs/audit.js';
import { configHash } from '../../src/obs/config-audit.js';
import { readStatusSnapshot, type StatusSnapshot } from '../../src/obs/status-snapshot.js';
import type { StatusReport } from '../../src/cli/status-command.js';
import { maskgate } from '../helpers/cli.js';
import { CLIENT, startTestDaemon, until, writeDaemonConfig, type TestDaemon } from '../helpers/daemon.js';
import { bindEsme, quietLogger, testNumber } from '../helpers/esme.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('daemon-ops');
type Run = Awaited<ReturnType<typeof maskgate>>;

function json<T>(t: ExecutionContext, r: Run): T {
  t.is(r.status, 0, `exit ${r.status}: ${r.stdout}${r.stderr}`);
  t.is(r.stdout.trimEnd().split('\n').length, 1, 'one line of JSON');
  return JSON.parse(r.stdout) as T;
}

/** Resolves once the daemon's published snapshot satisfies `test` (it publishes every 2 s). */
async function snapshotWhere(d: TestDaemon, test: (s: StatusSnapshot) => boolean): Promise<StatusSnapshot> {
  let found: StatusSnapshot | undefined;
  await until(() => {
    const reading = readStatusSnapshot(d.daemon.gateway.db);
    if (reading.kind === 'running' && test(reading.snapshot)) found = reading.snapshot;
    return found !== undefined;
  });
  return found!;
}

const sms = (destination: string) => ({ source_addr_ton: 5, source_addr: 'ACME', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: destination, registered_delivery: 1, short_message: Buffer.from('an ops test') });

test('binds accepted and refused are audited; a locked-out address gets one lockout row, then none', async (t) => {
  const d = await startTestDaemon(t, files, { name: 'binds' });
  const audit = d.daemon.gateway.audit;
  const port = d.daemon.listener.port;

  const good = await bindEsme({ port, systemId: CLIENT.systemId, password: CLIENT.password, mode: 'transmitter' });
  await good.close();
  // Five failures lock the address (accounts/lockout.ts DEFAULT_LOCKOUT); two more are refused unheard.
  for (let i = 0; i < 7; i++) await t.throwsAsync(bindEsme({ port, systemId: i === 0 ? 'nobody' : CLIENT.systemId, password: 'wrong-pw' }));
  // Locked out even with the right password: refused, and not recorded again.
  await t.throwsAsync(bindEsme({ port, systemId: CLIENT.systemId, password: CLIENT.password }));

  const rows = audit.list({ action: 'bind' });
  t.deepEqual(
    rows.map((r) => [r.actor, r.action, r.subject]),
    [
      ['smpp:acme', 'bind.accepted', 'acme'],
      ['smpp:nobody', 'bind.refused', 'nobody'],
      ['smpp:acme', 'bind.refused', 'acme'],
      ['smpp:acme', 'bind.refused', 'acme'],
      ['smpp:acme', 'bind.refused', 'acme'],
      ['smpp:acme', 'bind.refused', 'acme'],
      ['daemon', 'bind.lockout', rows[6]?.detail.peer as string],
    ],
  );
  t.like(rows[0]!.detail, { peer: '127.0.0.1', mode: 'transmitter' });
  t.like(rows[1]!.detail, { peer: '127.0.0.1', status: 'ESME_RINVSYSID', reason: 'unknown system_id', step: 'authorize' });
  t.like(rows[2]!.detail, { peer: '127.0.0.1', status: 'ESME_RINVPASWD', reason: 'wrong password' });
  t.like(rows[6]!.detail, { peer: '127.0.0.1', lastSystemId: 'acme' });

  // The start recorded its configuration; the CLI sees the same trail, intact.
  const config = audit.list({ action: 'config' });
  t.deepEqual(config.map((r) => [r.actor, r.action, r.detail.sha256]), [['daemon', 'config.loaded', configHash(d.config)]]);
  const listed = json<AuditRow[]>(t, await maskgate('--config', d.file, '--json', 'audit', 'list', '--action', 'bind'));
  t.deepEqual(listed.map((r) => r.seq), rows.map((r) => r.seq));
  t.true(audit.verify().ok);
});

test('a daemon started on a changed configuration records config.changed with both hashes', async (t) => {
  const first = await startTestDaemon(t, files, { name: 'config' });
  const before = configHash(first.config);
  await first.daemon.stop();
  // The same stores, one setting changed.
  const changed = loadConfig(writeDaemonConfig(files, { name: 'config', carrierPort: first.sim.port, accountDefaults: { maxBinds: 7 } }));
  const second = await startDaemon(changed, quietLogger);
  t.teardown(() => second.stop());
  const rows = second.gateway.audit.list({ action: 'config' });
  t.deepEqual(
    rows.map((r) => [r.action, r.detail]),
    [
      ['config.loaded', { sha256: before }],
      ['config.changed', { sha256: configHash(changed), previous: before }],
    ],
  );
});

test('status shows carrier binds, queue depths, rates and recent errors; messages show and list tell each message', async (t) => {
  const d = await startTestDaemon(t, files, { name: 'status' });
  const db = d.daemon.gateway.db;
  const status = (...args: string[]) => maskgate('--config', d.file, 'status', ...args);
  // A transmitter only: the receipts wait in the store, owed to the account.
  const esme = await bindEsme({ port: d.daemon.listener.port, systemId: CLIENT.systemId, password: CLIENT.password, mode: 'transmitter' });
  t.teardown(() => esme.close());
  const destinations = [testNumber(), testNumber(), testNumber(), testNumber(), testNumber()];
  const ids: string[] = [];
  for (const to of destinations.slice(0, 3)) ids.push(String((await esme.submit(sms(to))).message_id));
  await until(() => queueDepths(db).total.receiptsOwed === 3);
  await snapshotWhere(d, (s) => s.carriers[0]?.bindsUp === 1 && s.rates.sent === 3);

  // Piped, `status` prints JSON without being asked.
  const up = json<StatusReport>(t, await status());
  t.like(up.daemon, { state: 'running', pid: process.pid });
  t.like(up.carriers, [{ name: 'alpha', available: true, bindsUp: 1, binds: [{ slot: 1, state: 'bound' }] }]);
  t.like(up.rates, { accepted: 3, sent: 3 });
  t.is(up.clientSessions, 1);
  t.deepEqual(up.queues.accounts, [{ account: 'acme', queued: 0, receiptsOwed: 3, moOwed: 0 }]);
  t.deepEqual(up.queues.held, { mt: 0, mo: 0 });
  t.deepEqual(up.errors, []);

  // The carrier goes away: what is submitted now waits in the queue, and the lost bind is an error.
  await d.sim.goDown();
  for (const to of destinations.slice(3)) ids.push(String((await esme.submit(sms(to))).message_id));
  await snapshotWhere(d, (s) => s.carriers[0]?.bindsUp === 0 && s.errors.some((e) => e.kind === 'carrier.bind'));
  const down = json<StatusReport>(t, await status('--json'));
  t.like(down.carriers, [{ name: 'alpha', available: false, bindsUp: 0 }]);
  t.deepEqual(down.queues.total, { queued: 2, receiptsOwed: 3, moOwed: 0 });
  t.like(down.errors.find((e) => e.kind === 'carrier.bind'), { carrier: 'alpha' });
  t.true(down.errors.every((e) => typeof e.at === 'number' && e.count >= 1));

  const all = json<MessageSummary[]>(t, await maskgate('--config', d.file, '--json', 'messages', 'list', '--account', 'acme'));
  t.deepEqual(all.map((m) => m.id).sort(), [...ids].sort());
  t.deepEqual(json<MessageSummary[]>(t, await maskgate('--config', d.file, '--json', 'messages', 'list', '--state', 'accepted', '--since', '1h')).map((m) => m.id).sort(), ids.slice(3).sort());
  const viaAlpha = json<MessageSummary[]>(t, await maskgate('--config', d.file, '--json', 'messages', 'list', '--carrier', 'alpha', '--limit', '2'));
  t.is(viaAlpha.length, 2);
  t.true(viaAlpha.every((m) => ids.slice(0, 3).includes(m.id) && m.state === 'DELIVERED' && m.carrier === 'alpha' && m.destCountry === 'UZ'));

  const shown = json<MessageView>(t, await maskgate('--config', d.file, '--json', 'messages', 'show', ids[0]!));
  t.like(shown, { id: ids[0], account: 'acme', state: 'DELIVERED', carrier: 'alpha', destCountry: 'UZ', queued: false, masked: false, heldRule: null });
  t.like(shown.attempts, [{ n: 1, carrier: 'alpha', outcome: 'accepted', status: 0 }]);
  t.true(shown.doneAt! >= shown.submittedAt);
  const text = await maskgate('--config', d.file, 'messages', 'show', ids[3]!);
  t.regex(text.stdout, new RegExp(`^message      ${ids[3]}\naccount      acme\nstate        ACCEPTED\ndestination  UZ\n[^]*queued       next attempt at \\S+\nattempts     none\n$`));
  const missing = await maskgate('--config', d.file, 'messages', 'show', 'no-such-id');
  t.is(missing.status, 2);

  const printed = [all, viaAlpha, shown, text.stdout, up, down].map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('\n');
  for (const to of destinations) t.false(printed.includes(to.slice(-9)), `…${to.slice(-3)} was printed`);
  t.false(printed.includes('an ops test'), 'no body');
});
