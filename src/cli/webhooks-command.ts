/**
 * `maskgate webhooks …`: the webhook outbox from the operator's seat (api/webhook-outbox.ts).
 * `list` shows events waiting, delivered (kept for webhooks.keepDeliveredMs) and
 * dead-lettered, never their bodies; `retry` puts dead-lettered events back in the queue
 * with a fresh retry window, and the running daemon sends them at its next poll. Every retry
 * is audited.
 */
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/loader.js';
import { GatewayError } from '../errors.js';
import { WebhookOutbox, type OutboxEntry } from '../api/webhook-outbox.js';
import { openRoutingStore } from '../store/routing-store.js';
import { CliAudit } from './cli-audit.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';
import { isoTime, renderTable } from './table.js';

function withOutbox<T>(ctx: CliContext, run: (outbox: WebhookOutbox, audit: CliAudit) => T): T {
  const config = loadConfig(ctx.globals().config);
  const { db, keyRing, auditKey } = openRoutingStore(config);
  try {
    return run(new WebhookOutbox(db, keyRing.keysFor('routing-bodies')), new CliAudit(db, auditKey));
  } finally {
    db.close();
  }
}

function state(e: OutboxEntry): string {
  if (e.deliveredAt !== null) return 'delivered';
  if (e.deadAt !== null) return 'dead';
  return e.attempts === 0 ? 'queued' : 'retrying';
}

/** The time that matters in each state: delivered, dead-lettered, or the next attempt. */
function when(e: OutboxEntry): string {
  return isoTime(e.deliveredAt ?? e.deadAt ?? e.nextAttemptAt);
}

const wholeNumber = (flag: string) => (value: string): number => {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError(`${flag} takes a whole number, at least 1; got ${JSON.stringify(value)}`);
  return Number(value);
};

export function registerWebhooksCommands(program: Command, ctx: CliContext): void {
  const webhooks = program.command('webhooks').description('the webhook outbox: events for accounts\' endpoints, their attempts, and the dead-lettered');
  const json = () => ({ json: ctx.globals().json });

  webhooks
    .command('list')
    .description('list webhook events, newest first (never their bodies)')
    .option('--failed', 'only the dead-lettered: their retry window ended, or the account has no endpoint')
    .option('--account <system_id>', "only this account's")
    .option('--limit <n>', 'at most this many (default 1000)', wholeNumber('--limit'))
    .action((opts: { failed?: boolean; account?: string; limit?: number }) => {
      const entries = withOutbox(ctx, (outbox) => outbox.list({ failed: opts.failed === true, ...(opts.account !== undefined ? { account: opts.account } : {}), ...(opts.limit !== undefined ? { limit: opts.limit } : {}) }));
      printResult(entries.map((e) => ({ ...e, state: state(e) })), json(), () =>
        entries.length === 0
          ? opts.failed
            ? 'no dead-lettered webhook events'
            : 'no webhook events; an account gets them once it has an endpoint (`maskgate accounts update ID --webhook-url URL`)'
          : renderTable(
              ['ID', 'ACCOUNT', 'EVENT', 'STATE', 'ATTEMPTS', 'CREATED', 'NEXT / DONE', 'LAST ERROR'],
              entries.map((e) => [e.id, e.account, e.event, state(e), String(e.attempts), isoTime(e.createdAt), when(e), e.lastError ?? '-']),
            ),
      );
    });

  webhooks
    .command('retry [id]')
    .description('put a dead-lettered event (or, with --all-failed, every one) back in the queue with a fresh retry window')
    .option('--all-failed', 'every dead-lettered event (of --account, if given)')
    .option('--account <system_id>', 'with --all-failed: only this account\'s')
    .action((id: string | undefined, opts: { allFailed?: boolean; account?: string }) => {
      if ((id !== undefined) === (opts.allFailed === true)) {
        throw new GatewayError('USAGE', 'give one event id, or --all-failed (optionally with --account A); `maskgate webhooks list --failed` shows the dead-lettered events');
      }
      if (id !== undefined && opts.account !== undefined) throw new GatewayError('USAGE', '--account goes with --all-failed; an event id names one event already');
      const target = id !== undefined ? { id } : { allFailed: true as const, ...(opts.account !== undefined ? { account: opts.account } : {}) };
      // One audit row per event, recorded inside the change's transaction: they commit together.
      const requeued = withOutbox(ctx, (outbox, audit) =>
        audit.change(
          () => {
            const rows = outbox.requeue(target, Date.now());
            for (const row of rows) audit.record({ action: 'webhook.retry', subject: row.id, detail: { account: row.account, event: row.event, attempts: row.attempts } });
            return rows;
          },
          () => undefined,
        ),
      );
      printResult({ requeued: requeued.map((e) => e.id) }, json(), () =>
        requeued.length === 0
          ? 'no dead-lettered webhook events to retry'
          : `${requeued.length} webhook event${requeued.length === 1 ? '' : 's'} queued again (${requeued.map((e) => e.id).join(', ')}); the running daemon sends ${requeued.length === 1 ? 'it' : 'them'} at its next poll`,
      );
    });
}
