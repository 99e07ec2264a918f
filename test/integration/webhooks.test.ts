/**
 * Webhook delivery through the whole daemon: a real endpoint (node:http on 127.0.0.1), the
 * daemon's outbox and sender, and the CLI beside it. Signatures checked with the README's
 * own snippet; failures, recovery, dead-lettering and `webhooks retry`; the outbox across a
 * restart; and a hung endpoint that must not hold up SMPP traffic.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/loader.js';
import { startDaemon } from '../../src/main.js';
import { createLogger } from '../../src/obs/logger.js';
import { maskgate, ROOT } from '../helpers/cli.js';
import { CLIENT, startCarrier, startTestDaemon, until, writeDaemonConfig } from '../helpers/daemon.js';
import { bindEsme, quietLogger, testNumber } from '../helpers/esme.js';
import { tempFiles } from '../helpers/temp-files.js';
import { setWebhook, startEndpoint, startSilentEndpoint } from '../helpers/webhook-endpoint.js';

const files = tempFiles('webhooks');
/** Short waits so retries happen within a test; the schema's defaults are minutes to hours. */
const FAST = { pollMs: 20, retryBaseMs: 50, retryMaxMs: 200, timeoutMs: 5_000 };
/** A number the test account owns (moPrefixes): its MO are the account's `mo` events. */
const OWN_PREFIX = '99871555';
const SNIPPET = path.join(ROOT, 'scripts', 'webhook-verify-example.mjs');

type Verify = (secret: string, headers: Record<string, unknown>, rawBody: string, nowS?: number) => boolean;

async function ownNumberDaemon(t: Parameters<typeof startTestDaemon>[0], name: string, webhooks: Record<string, unknown>) {
  const started = await startTestDaemon(t, files, { name, webhooks });
  started.daemon.accounts.update(CLIENT.systemId, { moPrefixes: [OWN_PREFIX] });
  return started;
}

test('a delivered event verifies with the README snippet; a tampered body, an old timestamp or another secret does not', async (t) => {
  const snippet = readFileSync(SNIPPET, 'utf8');
  t.true(readFileSync(path.join(ROOT, 'README.md'), 'utf8').includes(snippet), 'the README shows the snippet the test runs, verbatim');
  const { verifyMaskgateWebhook: verify } = (await import(pathToFileURL(SNIPPET).href)) as { verifyMaskgateWebhook: Verify };

  const endpoint = await startEndpoint(t);
  const { daemon, sim, file } = await ownNumberDaemon(t, 'signed', FAST);
  const refused = await maskgate('--config', file, 'accounts', 'update', CLIENT.systemId, '--webhook-url', 'ftp://hooks.example.com/in');
  t.is(refused.status, 2);
  t.regex(refused.stderr, /scheme must be https.*got ftp/);

  const set = await maskgate('--config', file, '--json', 'accounts', 'update', CLIENT.systemId, '--webhook-url', endpoint.url, '--webhook-events', 'mo');
  t.is(set.status, 0, set.stderr);
  const { webhookSecret: secret, webhook } = JSON.parse(set.stdout) as { webhookSecret: string; webhook: { url: string; events: string[] } };
  t.regex(secret, /^whsec_[\w-]{43}$/);
  t.deepEqual(webhook, { url: endpoint.url, events: ['mo'] });

  const sender = testNumber();
  sim.injectMo({ from: sender, to: `${OWN_PREFIX}0001`, text: 'Salom, webhook' });
  const hook = await endpoint.waitFor((h) => h.body.type === 'mo');
  t.is(hook.headers['content-type'], 'application/json');
  t.is(hook.headers['x-maskgate-event-id'], hook.body.id);
  t.is(hook.body.account, CLIENT.systemId);
  t.like(hook.body.data, { from: sender, to: `${OWN_PREFIX}0001`, text: 'Salom, webhook', lease_id: null, mask_id: null });

  t.true(verify(secret, hook.headers, hook.raw), 'the real delivery verifies');
  t.false(verify(secret, hook.headers, hook.raw.replace('Salom', 'Salam')), 'a changed body does not');
  const signedAt = Number(hook.headers['x-maskgate-timestamp']);
  t.true(verify(secret, hook.headers, hook.raw, signedAt + 299));
  t.false(verify(secret, hook.headers, hook.raw, signedAt + 301), 'a timestamp older than 5 minutes does not');
  t.false(verify(`${secret}x`, hook.headers, hook.raw), 'another secret does not');

  // A new secret is shown once and signs from then on; the old one stops.
  const rotated = await maskgate('--config', file, '--json', 'accounts', 'update', CLIENT.systemId, '--rotate-webhook-secret');
  t.is(rotated.status, 0, rotated.stderr);
  const { webhookSecret: newSecret } = JSON.parse(rotated.stdout) as { webhookSecret: string };
  t.not(newSecret, secret);
  const again = await maskgate('--config', file, '--json', 'accounts', 'update', CLIENT.systemId, '--webhook-events', 'mo,dlr');
  t.is((JSON.parse(again.stdout) as { webhookSecret?: string }).webhookSecret, undefined, 'a secret is printed only when made');
  const off = await maskgate('--config', file, 'accounts', 'update', CLIENT.systemId, '--no-webhook');
  t.is(off.status, 0, off.stderr);
  t.regex(off.stdout, /webhook\s+off/);

  const changes = daemon.gateway.audit.list({ action: 'account.webhook' });
  t.deepEqual(changes.map((c) => c.detail), [
    { host: new URL(endpoint.url).host, events: 'mo', newSecret: true },
    { host: new URL(endpoint.url).host, events: 'mo', newSecret: true },
    { host: new URL(endpoint.url).host, events: 'mo,dlr', newSecret: false },
    { removed: true, had: true },
  ]);
  t.true(changes.every((c) => c.subject === CLIENT.systemId && c.actor.startsWith('cli:')));
  t.false(JSON.stringify(changes).includes('tenant=t1'), "the audit names the endpoint's host, not its path or query");
});

test('an endpoint that fails, then recovers, gets the event after retries', async (t) => {
  const endpoint = await startEndpoint(t, 'fail');
  const { daemon, sim, config, file } = await ownNumberDaemon(t, 'recover', { ...FAST, retryWindowMs: 600_000 });
  setWebhook(config, CLIENT.systemId, endpoint.url);
  sim.injectMo({ from: testNumber(), to: `${OWN_PREFIX}0002`, text: 'after a while' });
  await until(() => endpoint.received.filter((h) => h.status === 500).length >= 2);
  endpoint.mode = 'ok';
  const hook = await endpoint.waitFor((h) => h.body.type === 'mo');
  t.true(endpoint.received.filter((h) => h.body.id === hook.body.id && h.status === 500).length >= 2, 'the same event was tried before');

  const { webhooks } = daemon.gateway;
  await until(() => webhooks.counters.delivered === 1);
  t.true(webhooks.counters.attemptsFailed >= 2);
  t.is(webhooks.depth(), 0);
  const listed = await maskgate('--config', file, '--json', 'webhooks', 'list');
  const [entry] = JSON.parse(listed.stdout) as { id: string; state: string; attempts: number; lastError: string | null }[];
  t.like(entry, { id: hook.body.id, state: 'delivered', lastError: null });
  t.true(entry!.attempts > 1);
});

test('past its retry window an event is dead-lettered and logged without its body; `webhooks list --failed` shows it and `webhooks retry` delivers it', async (t) => {
  const endpoint = await startEndpoint(t, 'fail');
  // Started here rather than by startTestDaemon, to read what the daemon logs at warn.
  const sim = await startCarrier(t);
  const file = writeDaemonConfig(files, { name: 'dead', carrierPort: sim.port, webhooks: { ...FAST, retryWindowMs: 300 } });
  const config = loadConfig(file);
  let log = '';
  const stream = new PassThrough().setEncoding('utf8').on('data', (line: string) => (log += line));
  const daemon = await startDaemon(config, createLogger({ level: 'warn', format: 'json', stream }));
  t.teardown(() => daemon.stop());
  daemon.accounts.update(CLIENT.systemId, { moPrefixes: [OWN_PREFIX] });
  setWebhook(config, CLIENT.systemId, endpoint.url);
  const sender = testNumber();
  sim.injectMo({ from: sender, to: `${OWN_PREFIX}0003`, text: 'nobody is listening' });
  await until(() => daemon.gateway.webhooks.counters.deadLettered === 1);
  t.is(daemon.gateway.webhooks.depth(), 0, 'a dead event waits no more');
  await until(() => log.includes('dead-lettered'));
  const line = JSON.parse(log.split('\n').find((l) => l.includes('dead-lettered'))!) as Record<string, unknown>;
  t.like(line, { level: 'warn', systemId: CLIENT.systemId, event: 'mo', error: 'HTTP 500' });
  t.false(log.includes('nobody is listening') || log.includes(sender.slice(-7)), 'no body, no number in the log');

  const failed = await maskgate('--config', file, '--json', 'webhooks', 'list', '--failed');
  t.is(failed.status, 0, failed.stderr);
  const entries = JSON.parse(failed.stdout) as { id: string; account: string; event: string; state: string; attempts: number; lastError: string }[];
  t.is(entries.length, 1);
  t.like(entries[0], { account: CLIENT.systemId, event: 'mo', state: 'dead', lastError: 'HTTP 500' });
  t.false(failed.stdout.includes('nobody is listening'), 'listings never show the body');
  const human = await maskgate('--config', file, 'webhooks', 'list', '--failed');
  t.regex(human.stdout, new RegExp(`${entries[0]!.id}\\s+acme\\s+mo\\s+dead`));

  endpoint.mode = 'ok';
  const retried = await maskgate('--config', file, 'webhooks', 'retry', entries[0]!.id);
  t.is(retried.status, 0, retried.stderr);
  const hook = await endpoint.waitFor((h) => h.body.id === entries[0]!.id);
  t.is(hook.body.data.text, 'nobody is listening');
  const audited = daemon.gateway.audit.list({ action: 'webhook.retry' });
  t.like(audited[0], { subject: entries[0]!.id, detail: { account: CLIENT.systemId, event: 'mo' } });
  t.regex(audited[0]!.actor, /^cli:/);

  await until(() => daemon.gateway.webhooks.counters.delivered === 1);
  const again = await maskgate('--config', file, 'webhooks', 'retry', entries[0]!.id);
  t.is(again.status, 2, 'only a dead-lettered event can be retried');
  t.regex(again.stderr, /not dead-lettered \(delivered\)/);
});

test('the outbox survives a restart: an event pending while the endpoint is down is delivered after the next start', async (t) => {
  const endpoint = await startEndpoint(t, 'reset');
  // keepDeliveredMs 0: a delivered event is deleted at the next purge.
  const { daemon, sim, config } = await ownNumberDaemon(t, 'restart', { ...FAST, retryWindowMs: 600_000, keepDeliveredMs: 0 });
  setWebhook(config, CLIENT.systemId, endpoint.url);
  sim.injectMo({ from: testNumber(), to: `${OWN_PREFIX}0004`, text: 'survive a restart' });
  const dropped = await endpoint.waitFor((h) => h.body.type === 'mo', 0);
  t.is(daemon.gateway.webhooks.depth(), 1);
  await daemon.stop();

  endpoint.mode = 'ok';
  const restarted = await startDaemon(config, quietLogger);
  t.teardown(() => restarted.stop());
  const hook = await endpoint.waitFor((h) => h.body.id === dropped.body.id);
  t.is(hook.raw, dropped.raw, 'the same event, as it was queued');
  await until(() => restarted.gateway.webhooks.depth() === 0);
  const rows = restarted.gateway.db.prepare('SELECT count(*) FROM webhook_outbox').pluck();
  await until(() => rows.get() === 0); // the table does not grow with delivered events
});

test('a hung endpoint (connection accepted, never answered) does not hold up SMPP: submits are answered and receipts arrive meanwhile', async (t) => {
  const endpoint = await startSilentEndpoint(t);
  // Requests hang far longer than the test: every event below waits behind the hung one.
  const { daemon, config } = await startTestDaemon(t, files, { name: 'hung', webhooks: { ...FAST, timeoutMs: 600_000, concurrency: 2 } });
  setWebhook(config, CLIENT.systemId, endpoint.url, ['dlr']);
  const client = await bindEsme({ port: daemon.listener.port, ...CLIENT, mode: 'transceiver' });
  t.teardown(() => client.close());

  const first = await client.submit({ source_addr: 'ACME', source_addr_ton: 5, destination_addr: testNumber(), short_message: 'first', registered_delivery: 1 });
  t.is(first.command_status, 0);
  await client.nextDelivers(1);
  await endpoint.requested(1); // its dlr event is in flight, and will not be answered

  const count = 50;
  const resps = await Promise.all(
    Array.from({ length: count }, (_, i) => client.submit({ source_addr: 'ACME', source_addr_ton: 5, destination_addr: testNumber(i), short_message: `message ${i}`, registered_delivery: 1 })),
  );
  t.true(resps.every((r) => r.command_status === 0));
  const receipts = await client.nextDelivers(count);
  t.is(receipts.length, count);

  const { webhooks } = daemon.gateway;
  t.is(endpoint.requests, 1, 'the hung endpoint holds one request slot, no more');
  t.is(webhooks.counters.delivered, 0);
  t.is(webhooks.depth(), count + 1, 'every dlr event waits in the outbox');
});
