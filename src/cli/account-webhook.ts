/**
 * The webhook options of `maskgate accounts update` (accounts/webhook-settings.ts): the
 * account's endpoint, the events it takes, and its signing secret. The secret is printed
 * once, when it is made (the first URL, or --rotate-webhook-secret): the store keeps it
 * sealed and no command shows it again. Every change is audited (`account.webhook`), with
 * the endpoint's host only: a URL's path or query may hold the receiver's own token.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/loader.js';
import { GatewayError } from '../errors.js';
import { checkWebhookEvents, checkWebhookUrl, WEBHOOK_EVENTS, WebhookSettings, type WebhookEndpoint } from '../accounts/webhook-settings.js';
import { openRoutingStore } from '../store/routing-store.js';
import { CliAudit } from './cli-audit.js';
import type { CliContext } from './program.js';

export interface WebhookOptions {
  webhookUrl?: string;
  webhookEvents?: string[];
  rotateWebhookSecret?: boolean;
  /** false with --no-webhook. */
  webhook?: boolean;
}

/** What a change printed: the endpoint now (null: none) and the secret if one was made. */
export interface WebhookResult {
  webhook: WebhookEndpoint | null;
  webhookSecret?: string;
}

const list = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];

export function webhookOptions(command: Command): Command {
  return command
    .option('--webhook-url <url>', "POST the account's events, signed, to this http(s) URL; the first URL makes a signing secret, printed once")
    .option('--webhook-events <events>', `the events sent, comma-separated: ${WEBHOOK_EVENTS.join(', ')}; or all (the default)`, list)
    .option('--rotate-webhook-secret', 'make a new signing secret, printed once; signatures with the old one stop at once')
    .option('--no-webhook', "turn the account's webhooks off (URL, events and secret removed)");
}

const changesWebhook = (opts: WebhookOptions) => opts.webhookUrl !== undefined || opts.webhookEvents !== undefined || opts.rotateWebhookSecret === true || opts.webhook === false;

/** Checks the options before anything is written, so a bad URL changes nothing at all. */
export function checkWebhookOptions(opts: WebhookOptions): void {
  if (opts.webhook === false && (opts.webhookUrl !== undefined || opts.webhookEvents !== undefined || opts.rotateWebhookSecret)) {
    throw new GatewayError('USAGE', '--no-webhook turns webhooks off; give it without --webhook-url, --webhook-events or --rotate-webhook-secret');
  }
  if (opts.webhookUrl !== undefined) checkWebhookUrl(opts.webhookUrl);
  if (opts.webhookEvents !== undefined) checkWebhookEvents(opts.webhookEvents);
}

/** Applies the options (if any) and audits the change; undefined when none was given. */
export function applyWebhookOptions(ctx: CliContext, systemId: string, opts: WebhookOptions): WebhookResult | undefined {
  if (!changesWebhook(opts)) return undefined;
  const config = loadConfig(ctx.globals().config);
  const { db, keyRing, auditKey } = openRoutingStore(config);
  try {
    const settings = new WebhookSettings(db, keyRing.keysFor('routing-bodies'));
    // The change and its audit row commit together.
    const audit = new CliAudit(db, auditKey);
    if (opts.webhook === false) {
      audit.change(
        () => settings.remove(systemId),
        (had) => ({ action: 'account.webhook', subject: systemId, detail: { removed: true, had } }),
      );
      return { webhook: null };
    }
    const { endpoint, secret } = audit.change(
      () =>
        settings.configure(systemId, {
          ...(opts.webhookUrl !== undefined ? { url: opts.webhookUrl } : {}),
          ...(opts.webhookEvents !== undefined ? { events: opts.webhookEvents } : {}),
          rotateSecret: opts.rotateWebhookSecret === true,
        }),
      (made) => ({ action: 'account.webhook', subject: systemId, detail: { host: new URL(made.endpoint.url).host, events: describeEvents(made.endpoint), newSecret: made.secret !== undefined } }),
    );
    return { webhook: endpoint, ...(secret !== undefined ? { webhookSecret: secret } : {}) };
  } finally {
    db.close();
  }
}

const describeEvents = (endpoint: WebhookEndpoint) => endpoint.events?.join(',') ?? 'all';

/** The lines `accounts update` adds for a webhook change. */
export function renderWebhook(result: WebhookResult): string {
  if (result.webhook === null) return 'webhook        off';
  const lines = [`webhook        ${result.webhook.url} (events: ${describeEvents(result.webhook)})`];
  if (result.webhookSecret !== undefined) {
    lines.push(`webhook secret ${result.webhookSecret}`, '               shown this once: give it to the receiver now, which checks X-Maskgate-Signature with it');
  }
  return lines.join('\n');
}
