/**
 * Each account's webhook endpoint (routing store, migration 11: accounts.webhook_url,
 * webhook_secret, webhook_events): where the daemon POSTs the account's events, which
 * events, and the secret it signs them with.
 *
 * Policy:
 * - The URL is absolute http or https, with no credentials in it: anything else (file:,
 *   ftp:, a relative path) could not be delivered, and a password in a URL would show in
 *   every listing. The receiver authenticates us by the signature instead.
 * - A signing secret is made when a URL is first set, or on request (rotation), and shown to
 *   the operator once; the store keeps it sealed (routing-bodies key, AAD
 *   `webhook:<system_id>`, store/sealed-columns.ts), because it must be read back to sign.
 * - Events are a subset of WEBHOOK_EVENTS; none given means all of them (NULL in the store),
 *   so an event type added later reaches accounts that did not choose.
 * - `wants`, asked on the message path (every MO, every final state), keeps what it read for
 *   ACCOUNT_CACHE_MS, as the account directory does: a change applies within that time and
 *   the hot path does not read SQLite per message.
 */
import { randomBytes } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { GatewayError } from '../errors.js';
import { open, seal } from '../keys/envelope.js';
import type { PurposeKeys } from '../keys/key-ring.js';
import { ACCOUNT_CACHE_MS } from './account-directory.js';

export const WEBHOOK_EVENTS = ['mo', 'session.relayed', 'dlr', 'lease.expired', 'mask.expired', 'session.expired'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookEndpoint {
  url: string;
  /** The events sent; null: all of them. */
  events: WebhookEvent[] | null;
}

/** A change by the operator: only what is given changes. */
export interface WebhookChange {
  url?: string;
  events?: readonly string[];
  rotateSecret?: boolean;
}

interface Row {
  webhook_url: string | null;
  webhook_secret: Buffer | null;
  webhook_events: string | null;
}

const usage = (message: string) => new GatewayError('USAGE', message);
const secretAad = (systemId: string) => Buffer.from(`webhook:${systemId}`);

/** The URL as the store keeps it, or USAGE naming what is wrong and the fix. */
export function checkWebhookUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usage(`--webhook-url: ${JSON.stringify(raw)} is not an absolute URL; give one such as https://hooks.example.com/maskgate`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw usage(`--webhook-url: the scheme must be https (or http on a private network), got ${url.protocol.replace(/:$/, '')}; give one such as https://hooks.example.com/maskgate`);
  }
  if (url.username !== '' || url.password !== '') {
    throw usage('--webhook-url: put no user name or password in the URL (every listing would show it); the receiver checks the X-Maskgate-Signature header instead');
  }
  return url.href;
}

/** Event names as given (a list, or "all"), checked; null means all. */
export function checkWebhookEvents(given: readonly string[]): WebhookEvent[] | null {
  if (given.length === 1 && given[0] === 'all') return null;
  if (given.length === 0) throw usage(`--webhook-events: give at least one of ${WEBHOOK_EVENTS.join(', ')} (or all); --no-webhook turns webhooks off`);
  const unknown = given.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown.length > 0) throw usage(`--webhook-events: unknown ${unknown.join(', ')}; the events are ${WEBHOOK_EVENTS.join(', ')} (or all)`);
  return [...new Set(given as WebhookEvent[])];
}

export class WebhookSettings {
  readonly #db: Database;
  readonly #keys: PurposeKeys;
  readonly #now: () => number;
  readonly #select: Statement<[string], Row>;
  /** What `wants` and `endpoint` read, and when; bounded by the accounts (unknown ones are not kept). */
  readonly #recent = new Map<string, { row: Row; endpoint: WebhookEndpoint | undefined; readAt: number }>();

  constructor(db: Database, keys: PurposeKeys, now: () => number = Date.now) {
    this.#db = db;
    this.#keys = keys;
    this.#now = now;
    this.#select = db.prepare('SELECT webhook_url, webhook_secret, webhook_events FROM accounts WHERE system_id = ?');
  }

  /** The account's endpoint as stored now, or undefined when it has none. */
  get(systemId: string): WebhookEndpoint | undefined {
    const row = this.#select.get(systemId);
    return row && toEndpoint(row);
  }

  /** Whether the account has an endpoint that takes this event (cached for ACCOUNT_CACHE_MS). */
  wants(systemId: string, event: WebhookEvent): boolean {
    const endpoint = this.#cached(systemId)?.endpoint;
    return endpoint !== undefined && (endpoint.events === null || endpoint.events.includes(event));
  }

  /** Where the sender posts the account's events and the secret it signs with, or undefined (cached). */
  endpoint(systemId: string): { url: string; secret: string } | undefined {
    const row = this.#cached(systemId)?.row;
    if (row?.webhook_url == null || row.webhook_secret === null) return undefined;
    return { url: row.webhook_url, secret: open((v) => this.#keys.keyFor(v), row.webhook_secret, secretAad(systemId)).toString('utf8') };
  }

  /**
   * Sets the URL, the events or a new secret. Returns the endpoint and, when a secret was
   * made (first URL, or rotation), that secret: the only time it is shown.
   */
  configure(systemId: string, change: WebhookChange): { endpoint: WebhookEndpoint; secret?: string } {
    const url = change.url === undefined ? undefined : checkWebhookUrl(change.url);
    const events = change.events === undefined ? undefined : checkWebhookEvents(change.events);
    const apply = this.#db.transaction(() => {
      const row = this.#select.get(systemId);
      if (row === undefined) throw usage(`no account with system_id ${JSON.stringify(systemId)}; \`maskgate accounts list\` shows the accounts there are`);
      const nextUrl = url ?? row.webhook_url;
      if (nextUrl === null) throw usage(`account ${systemId} has no webhook URL yet; give --webhook-url https://… first (events and secrets belong to an endpoint)`);
      const secret = change.rotateSecret || row.webhook_secret === null ? `whsec_${randomBytes(32).toString('base64url')}` : undefined;
      const { key, version } = this.#keys.current;
      this.#db
        .prepare('UPDATE accounts SET webhook_url = @url, webhook_secret = COALESCE(@secret, webhook_secret), webhook_events = @events, updated_at = @now WHERE system_id = @systemId')
        .run({
          systemId,
          url: nextUrl,
          secret: secret === undefined ? null : seal(key, version, Buffer.from(secret, 'utf8'), secretAad(systemId)),
          events: events === undefined ? row.webhook_events : events === null ? null : JSON.stringify(events),
          now: this.#now(),
        });
      return secret;
    });
    const secret = apply.immediate();
    this.#recent.delete(systemId);
    return { endpoint: this.get(systemId)!, ...(secret !== undefined ? { secret } : {}) };
  }

  /** Turns the account's webhooks off: URL, secret and events are removed. Returns whether it had one. */
  remove(systemId: string): boolean {
    const row = this.#select.get(systemId);
    if (row === undefined) throw usage(`no account with system_id ${JSON.stringify(systemId)}; \`maskgate accounts list\` shows the accounts there are`);
    this.#db.prepare('UPDATE accounts SET webhook_url = NULL, webhook_secret = NULL, webhook_events = NULL, updated_at = ? WHERE system_id = ?').run(this.#now(), systemId);
    this.#recent.delete(systemId);
    return row.webhook_url !== null;
  }

  #cached(systemId: string): { row: Row; endpoint: WebhookEndpoint | undefined } | undefined {
    const now = this.#now();
    const recent = this.#recent.get(systemId);
    if (recent && now - recent.readAt < ACCOUNT_CACHE_MS) return recent;
    const row = this.#select.get(systemId);
    if (row === undefined) {
      this.#recent.delete(systemId);
      return undefined;
    }
    const entry = { row, endpoint: toEndpoint(row), readAt: now };
    this.#recent.set(systemId, entry);
    return entry;
  }
}

function toEndpoint(row: Row): WebhookEndpoint | undefined {
  if (row.webhook_url === null) return undefined;
  return { url: row.webhook_url, events: row.webhook_events === null ? null : (JSON.parse(row.webhook_events) as WebhookEvent[]) };
}
