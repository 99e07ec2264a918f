/**
 * Retention in the daemon and from the CLI beside it: the daemon's passes on their schedule
 * (audited as `daemon`), and `maskgate retention run [--dry-run]` (audited as the operator;
 * a dry run changes nothing). Which rows each class takes, exactly, is test/unit/retention.test.ts.
 */
import test from 'ava';
import { isPurged } from '../../src/messages/purged-content.js';
import { STATUS } from '../../src/smpp/status.js';
import type { Database } from '../../src/store/database.js';
import { maskgate } from '../helpers/cli.js';
import { CLIENT, startTestDaemon, until } from '../helpers/daemon.js';
import { bindEsme, testNumber } from '../helpers/esme.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('retention');

/** Delivers `n` messages through the daemon; resolves with their ids once each is final (its receipt came). */
async function delivered(t: Parameters<typeof startTestDaemon>[0], port: number, n: number): Promise<string[]> {
  const client = await bindEsme({ port, ...CLIENT, mode: 'transceiver' });
  t.teardown(() => client.close());
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const resp = await client.submit({ source_addr: 'ACME', source_addr_ton: 5, destination_addr: testNumber(), short_message: `retained body ${i}`, registered_delivery: 1 });
    t.is(resp.command_status, STATUS.ESME_ROK);
    ids.push(resp.message_id as string);
  }
  await client.nextDelivers(n); // the receipts: every message is final
  return ids;
}

const purged = (db: Database, id: string) => isPurged(db.prepare<[string], Buffer>('SELECT content FROM messages WHERE id = ?').pluck().get(id)!);

test('the daemon purges on its schedule and audits each pass as daemon', async (t) => {
  const { daemon } = await startTestDaemon(t, files, { name: 'scheduled', retention: { intervalMs: 100, messageBodiesMs: 1 } });
  const [id] = await delivered(t, daemon.listener.port, 1);
  await until(() => purged(daemon.gateway.db, id!));
  t.is(daemon.gateway.status(id!)!.state, 'DELIVERED', 'the record stays');
  await until(() => daemon.gateway.audit.list({ action: 'retention.run' }).some((r) => Number(r.detail.messageBodies) > 0));
  const rows = daemon.gateway.audit.list({ action: 'retention.run' });
  t.true(rows.every((r) => r.actor === 'daemon'));
  t.deepEqual(Object.keys(rows[0]!.detail).sort(), ['contacts', 'deadWebhooks', 'leases', 'masks', 'messageBodies', 'messages', 'sessions']);
});

test('`retention run --dry-run` shows what would go and changes nothing; `retention run` purges it, audited', async (t) => {
  const { daemon, file } = await startTestDaemon(t, files, { name: 'by-hand', retention: { enabled: false, messageBodiesMs: 1 } });
  const db = daemon.gateway.db;
  const ids = await delivered(t, daemon.listener.port, 2);

  const dry = await maskgate('--config', file, '--json', 'retention', 'run', '--dry-run');
  t.is(dry.status, 0, dry.stderr);
  const planned = JSON.parse(dry.stdout) as { dryRun: boolean; classes: Record<string, { count: number; oldest: number | null }> };
  t.true(planned.dryRun);
  t.is(planned.classes.messageBodies!.count, 2);
  t.is(typeof planned.classes.messageBodies!.oldest, 'number');
  t.is(planned.classes.messages!.count, 0);
  t.false(ids.some((id) => purged(db, id)), 'a dry run purges nothing');
  t.deepEqual(daemon.gateway.audit.list({ action: 'retention.run' }), [], 'and records nothing');
  const human = await maskgate('--config', file, 'retention', 'run', '--dry-run');
  t.regex(human.stdout, /messageBodies\s+2\s/);
  t.regex(human.stdout, /dry run: nothing was changed/);

  const run = await maskgate('--config', file, '--json', 'retention', 'run');
  t.is(run.status, 0, run.stderr);
  t.is((JSON.parse(run.stdout) as typeof planned).classes.messageBodies!.count, 2);
  t.true(ids.every((id) => purged(db, id)));
  const [row, ...more] = daemon.gateway.audit.list({ action: 'retention.run' });
  t.deepEqual(more, []);
  t.regex(row!.actor, /^cli:/);
  t.like(row!.detail, { messageBodies: 2, messages: 0 });
  t.deepEqual(ids.map((id) => daemon.gateway.status(id)?.state), ['DELIVERED', 'DELIVERED'], 'query_sm still answers');
});
