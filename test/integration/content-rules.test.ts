/**
 * Content rules through the whole daemon: a real client submits over SMPP, the simulated
 * carrier shows what was sent, and the operator decides held messages with the CLI beside
 * the running daemon.
 */
import test from 'ava';
import { STATUS } from '../../src/smpp/status.js';
import { maskgate } from '../helpers/cli.js';
import { CLIENT, startTestDaemon } from '../helpers/daemon.js';
import { bindEsme, testNumber } from '../helpers/esme.js';
import { carrierGot } from '../helpers/pool-daemon.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('content-rules');

const RULES = [
  { name: 'casino', match: { keywords: ['casino'] }, action: 'block' },
  { name: 'refunds', match: { regex: 'refund\\s+#\\d+' }, action: 'hold' },
];

async function start(t: Parameters<typeof startTestDaemon>[0], name: string) {
  const started = await startTestDaemon(t, files, { name, contentRules: RULES, retention: { enabled: false } });
  const client = await bindEsme({ port: started.daemon.listener.port, ...CLIENT, mode: 'transceiver' });
  t.teardown(() => client.close());
  return { ...started, client };
}

const sent = (sim: Awaited<ReturnType<typeof start>>['sim'], text: string) => sim.messages.list(10_000).some((m) => m.short_message_hex === Buffer.from(text, 'latin1').toString('hex'));

test('a blocked submit is answered ESME_RSUBMITFAIL, never sent, counted, and audited once for a burst', async (t) => {
  const { daemon, sim, client } = await start(t, 'blocked');
  const submit = (text: string) => client.submit({ source_addr: 'ACME', source_addr_ton: 5, destination_addr: testNumber(), short_message: text });
  for (let i = 0; i < 3; i++) t.is((await submit('Best CASINO in town')).command_status, STATUS.ESME_RSUBMITFAIL);
  t.is((await submit('plain news')).command_status, STATUS.ESME_ROK);
  await carrierGot(sim, 'plain news');
  t.false(sent(sim, 'Best CASINO in town'), 'the carrier got the message after, never the blocked ones');

  t.deepEqual(daemon.gateway.content.counts(), [{ rule: 'casino', account: 'acme', action: 'block', n: 3 }]);
  const audit = daemon.gateway.audit.list({ action: 'content.blocked' });
  t.is(audit.length, 1, 'one row per account and rule per minute');
  t.like(audit[0], { actor: 'smpp:acme', action: 'content.blocked', subject: 'acme', detail: { rule: 'casino', messages: 1 } });
  t.false(/casino in town/i.test(JSON.stringify(audit)), 'no body in the audit trail');
});

test('a held submit gets its id but is not sent until `content release`; `content drop` ends it REJECTED with the receipt', async (t) => {
  const { daemon, sim, client, file } = await start(t, 'held');
  const gateway = daemon.gateway;
  const submit = (text: string, registeredDelivery = 0) => client.submit({ source_addr: 'ACME', source_addr_ton: 5, destination_addr: testNumber(), short_message: text, registered_delivery: registeredDelivery });

  const held = await submit('your refund #12 is approved');
  t.is(held.command_status, STATUS.ESME_ROK);
  const heldId = held.message_id as string;
  t.regex(heldId, /^[0-9a-f]{16}$/);
  t.is((await submit('sent at once')).command_status, STATUS.ESME_ROK);
  await carrierGot(sim, 'sent at once');
  t.false(sent(sim, 'your refund #12 is approved'), 'the message after it went; the held one did not');
  t.is(gateway.status(heldId)!.state, 'ACCEPTED');

  const listed = await maskgate('--config', file, '--json', 'content', 'held');
  t.is(listed.status, 0, listed.stderr);
  t.like(JSON.parse(listed.stdout), [{ id: heldId, account: 'acme', rule: 'refunds' }]);
  t.false(listed.stdout.includes('approved'), 'listed without its text');

  const released = await maskgate('--config', file, 'content', 'release', heldId);
  t.is(released.status, 0, released.stderr);
  t.regex(released.stdout, new RegExp(`released message ${heldId}`));
  await carrierGot(sim, 'your refund #12 is approved');

  const second = await submit('refund #13 please', 1);
  const secondId = second.message_id as string;
  const dropped = await maskgate('--config', file, 'content', 'drop', secondId);
  t.is(dropped.status, 0, dropped.stderr);
  const [receipt] = await client.nextDelivers(1);
  t.is(receipt!.receipted_message_id, secondId);
  t.regex(Buffer.from(receipt!.short_message as Buffer).toString('latin1'), /stat:REJECTD/);
  t.is(gateway.status(secondId)!.state, 'REJECTED');
  t.false(sent(sim, 'refund #13 please'));
  const again = await maskgate('--config', file, 'content', 'drop', secondId);
  t.is(again.status, 2, 'a message no longer held: a usage error');
  t.regex(again.stderr, /no held message/);

  t.deepEqual(gateway.content.counts(), [{ rule: 'refunds', account: 'acme', action: 'hold', n: 2 }]);
  t.like(gateway.audit.list({ action: 'content.held' }), [{ actor: 'smpp:acme', detail: { rule: 'refunds', messages: 1, messageId: heldId } }]);
  const decisions = [...gateway.audit.list({ action: 'content.release' }), ...gateway.audit.list({ action: 'content.drop' })];
  t.like(decisions, [
    { action: 'content.release', subject: heldId, detail: { account: 'acme', rule: 'refunds' } },
    { action: 'content.drop', subject: secondId, detail: { account: 'acme', rule: 'refunds' } },
  ]);
  t.true(decisions.every((d) => d.actor.startsWith('cli:')));

  const rules = await maskgate('--config', file, '--json', 'content', 'rules');
  t.deepEqual(JSON.parse(rules.stdout).map((r: { name: string; action: string }) => [r.name, r.action]), [['casino', 'block'], ['refunds', 'hold']]);
});
