/**
 * The webhook outbox (routing store, migration 11: webhook_outbox): events waiting for, or
 * done with, delivery to their account's endpoint.
 *
 * An event is inserted by `insert` inside the write that commits what caused it (the MO, the
 * final state, the end of a lease), so the two commit together or not at all: a crash
 * neither loses an event nor invents one. The sender (webhook-sender.ts) reads what is due
 * and records each attempt; `maskgate webhooks` lists rows and puts dead-lettered ones back.
 *
 * The body is sealed (routing-bodies key, AAD: the event id): an MO's text and a lessee's
 * correspondent are in it. Listings show everything but the body.
 *
 * Every method is a synchronous statement on the caller's connection: the daemon runs its
 * writes inside the group commit (store/write-batcher.ts), the CLI on its own connection.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { WebhookEvent } from '../accounts/webhook-settings.js';
import { GatewayError } from '../errors.js';
import { open, seal } from '../keys/envelope.js';
import type { PurposeKeys } from '../keys/key-ring.js';

/** A row as listings show it: everything but the body. */
export interface OutboxEntry {
  id: string;
  account: string;
  event: WebhookEvent;
  createdAt: number;
  /** When the retry window began: createdAt, or when `webhooks retry` put it back. */
  retryFrom: number;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  deliveredAt: number | null;
  deadAt: number | null;
}

/** A due event with its body open, for the sender. */
export interface DueEvent {
  id: string;
  account: string;
  event: WebhookEvent;
  /** The JSON body, exactly the bytes that are signed and sent. */
  body: string;
  attempts: number;
  retryFrom: number;
}

interface Row {
  id: string;
  account: string;
  event: WebhookEvent;
  payload: Buffer;
  created_at: number;
  retry_from: number;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  delivered_at: number | null;
  dead_at: number | null;
}

const PENDING = 'delivered_at IS NULL AND dead_at IS NULL';

function toEntry(r: Omit<Row, 'payload'>): OutboxEntry {
  return {
    id: r.id,
    account: r.account,
    event: r.event,
    createdAt: r.created_at,
    retryFrom: r.retry_from,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    deliveredAt: r.delivered_at,
    deadAt: r.dead_at,
  };
}

export class WebhookOutbox {
  readonly #db: Database;
  readonly #keys: PurposeKeys;
  readonly #stmt: {
    insert: Statement;
    dueAccounts: Statement<[number], { account: string }>;
    dueOf: Statement<[string, number, number], Row>;
    delivered: Statement<[number, string]>;
    retryLater: Statement<[number, string | null, string]>;
    dead: Statement<[number, string | null, string]>;
    purge: Statement<[number]>;
    depth: Statement<[], number>;
  };

  constructor(db: Database, keys: PurposeKeys) {
    this.#db = db;
    this.#keys = keys;
    this.#stmt = {
      insert: db.prepare(
        `INSERT INTO webhook_outbox (id, account, event, payload, created_at, retry_from, next_attempt_at) VALUES (@id, @account, @event, @payload, @now, @now, @now)`,
      ),
      dueAccounts: db.prepare(`SELECT DISTINCT account FROM webhook_outbox WHERE ${PENDING} AND next_attempt_at <= ?`),
      dueOf: db.prepare(`SELECT * FROM webhook_outbox WHERE account = ? AND ${PENDING} AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT ?`),
      delivered: db.prepare(`UPDATE webhook_outbox SET attempts = attempts + 1, last_error = NULL, delivered_at = ? WHERE id = ? AND ${PENDING}`),
      retryLater: db.prepare(`UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ? AND ${PENDING}`),
      dead: db.prepare(`UPDATE webhook_outbox SET attempts = attempts + 1, dead_at = ?, last_error = ? WHERE id = ? AND ${PENDING}`),
      purge: db.prepare(`DELETE FROM webhook_outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?`),
      depth: db.prepare<[], number>(`SELECT count(*) FROM webhook_outbox WHERE ${PENDING}`).pluck(),
    };
  }

  /** Queues an event, due now. Call it inside the write that commits its cause. */
  insert(event: { id: string; account: string; event: WebhookEvent; body: string; now: number }): void {
    const { key, version } = this.#keys.current;
    const payload = seal(key, version, Buffer.from(event.body, 'utf8'), Buffer.from(event.id));
    this.#stmt.insert.run({ id: event.id, account: event.account, event: event.event, payload, now: event.now });
  }

  /** The accounts with at least one event due (bounded by the accounts). */
  dueAccounts(now: number): string[] {
    return this.#stmt.dueAccounts.all(now).map((r) => r.account);
  }

  /** Up to `limit` due events of the account, oldest first, skipping ids in `skip` (in flight). */
  dueOf(account: string, now: number, limit: number, skip: ReadonlySet<string>): DueEvent[] {
    return this.#stmt.dueOf
      .all(account, now, limit + skip.size)
      .filter((r) => !skip.has(r.id))
      .slice(0, limit)
      .map((r) => ({
        id: r.id,
        account: r.account,
        event: r.event,
        body: open((v) => this.#keys.keyFor(v), r.payload, Buffer.from(r.id)).toString('utf8'),
        attempts: r.attempts,
        retryFrom: r.retry_from,
      }));
  }

  /** The endpoint took it (2xx). */
  delivered(id: string, now: number): void {
    this.#stmt.delivered.run(now, id);
  }

  /** An attempt failed; the next one is due at `nextAttemptAt`. */
  retryLater(id: string, nextAttemptAt: number, error: string): void {
    this.#stmt.retryLater.run(nextAttemptAt, error, id);
  }

  /** An attempt failed past the retry window (or with nowhere to send): dead-lettered. */
  dead(id: string, now: number, error: string): void {
    this.#stmt.dead.run(now, error, id);
  }

  /** Deletes events delivered before `before`; returns how many. */
  purgeDelivered(before: number): number {
    return this.#stmt.purge.run(before).changes;
  }

  /** Events waiting for delivery (neither delivered nor dead). */
  depth(): number {
    return this.#stmt.depth.get()!;
  }

  /** Rows, newest first: all, or only the dead-lettered (`failed`), optionally of one account. */
  list(filter: { failed?: boolean; account?: string; limit?: number } = {}): OutboxEntry[] {
    const where = [filter.failed ? 'dead_at IS NOT NULL' : '1', filter.account !== undefined ? 'account = @account' : '1'].join(' AND ');
    return this.#db
      .prepare<Record<string, unknown>, Row>(
        `SELECT id, account, event, created_at, retry_from, attempts, next_attempt_at, last_error, delivered_at, dead_at FROM webhook_outbox WHERE ${where} ORDER BY seq DESC LIMIT @limit`,
      )
      .all({ account: filter.account, limit: filter.limit ?? 1000 })
      .map(toEntry);
  }

  /**
   * Puts dead-lettered events back in the queue, due now, with a fresh retry window: one by
   * id, or every one (of an account). Returns those requeued. A row that is not dead is
   * refused by id (USAGE), so a typo is not mistaken for success.
   */
  requeue(target: { id: string } | { allFailed: true; account?: string }, now: number): OutboxEntry[] {
    const run = this.#db.transaction((): OutboxEntry[] => {
      const dead = 'id' in target
        ? this.#db.prepare<[string], Row>('SELECT * FROM webhook_outbox WHERE id = ?').all(target.id)
        : this.#db.prepare<[string | null, string | null], Row>('SELECT * FROM webhook_outbox WHERE dead_at IS NOT NULL AND (? IS NULL OR account = ?) ORDER BY seq').all(target.account ?? null, target.account ?? null);
      if ('id' in target) {
        const row = dead[0];
        if (row === undefined) throw new GatewayError('USAGE', `no webhook event ${JSON.stringify(target.id)}; \`maskgate webhooks list --failed\` shows the dead-lettered ones`);
        if (row.dead_at === null) throw new GatewayError('USAGE', `webhook event ${target.id} is not dead-lettered (${row.delivered_at !== null ? 'delivered' : 'still being retried'}); only failed events can be retried`);
      }
      const requeue = this.#db.prepare('UPDATE webhook_outbox SET dead_at = NULL, retry_from = ?, next_attempt_at = ? WHERE id = ? AND dead_at IS NOT NULL');
      for (const row of dead) requeue.run(now, now, row.id);
      return dead.map((r) => toEntry({ ...r, dead_at: null, retry_from: now, next_attempt_at: now }));
    });
    return run.immediate();
  }
}
