/**
 * Messages a content rule holds (accounts/content-rules.ts, `hold`): accepted and stored,
 * kept from carriers (queued = 0, held_rule set: the dispatcher never sees them, and a
 * restart does not queue them again) until an operator decides with `maskgate content`:
 *
 * - release: the rule is cleared and the message queued; the running daemon's dispatcher
 *   takes it at its next look (a message past its validity by then is EXPIRED there).
 * - drop: the message is queued with its rule still set, which the dispatcher's claim reads
 *   as "end it REJECTED" (messages/message-store.ts), with a receipt if its client asked for
 *   one. The daemon owns final states (their receipts, events and webhooks), so the CLI only
 *   marks the message; without a running daemon it is rejected at the next start.
 *
 * Listings show who sent it, when and which rule held it, never its content.
 */
import type { Database } from 'better-sqlite3';
import { GatewayError } from '../errors.js';

export interface HeldMessage {
  id: string;
  account: string;
  rule: string;
  submittedAt: number;
  validUntil: number;
}

/** Still held: stored with a rule, not queued, not final. */
const HELD = 'held_rule IS NOT NULL AND queued = 0 AND done_at IS NULL';
const COLUMNS = 'id, account, held_rule, submitted_at, valid_until';

interface Row {
  id: string;
  account: string;
  held_rule: string;
  submitted_at: number;
  valid_until: number;
}

const toHeld = (r: Row): HeldMessage => ({ id: r.id, account: r.account, rule: r.held_rule, submittedAt: r.submitted_at, validUntil: r.valid_until });

export class HeldMessages {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  list(filter: { account?: string; limit?: number } = {}): HeldMessage[] {
    const account = filter.account === undefined ? '' : 'AND account = @account';
    return this.db
      .prepare<Record<string, unknown>, Row>(`SELECT ${COLUMNS} FROM messages WHERE ${HELD} ${account} ORDER BY submitted_at LIMIT @limit`)
      .all({ account: filter.account, limit: filter.limit ?? 1000 })
      .map(toHeld);
  }

  /** Queues a held message for the dispatcher; returns it as it was held. */
  release(id: string): HeldMessage {
    return this.#decide(id, `UPDATE messages SET held_rule = NULL, queued = 1, next_attempt_at = @now WHERE id = @id AND ${HELD}`);
  }

  /** Marks a held message for the daemon to reject; returns it as it was held. */
  drop(id: string): HeldMessage {
    return this.#decide(id, `UPDATE messages SET queued = 1, next_attempt_at = @now WHERE id = @id AND ${HELD}`);
  }

  #decide(id: string, sql: string): HeldMessage {
    return this.db
      .transaction(() => {
        const held = this.db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM messages WHERE id = ? AND ${HELD}`).get(id);
        if (!held) throw new GatewayError('USAGE', `no held message ${JSON.stringify(id)}; \`maskgate content held\` lists them`);
        this.db.prepare(sql).run({ id, now: this.now() });
        return toHeld(held);
      })
      .immediate();
  }
}
