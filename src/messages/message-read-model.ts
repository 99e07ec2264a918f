/**
 * Messages as an operator reads them (`maskgate messages show|list`): state, account, the
 * carrier and every attempt, timestamps, destination country, the content rule holding it.
 * Read straight from the routing store, so it answers beside a running daemon.
 *
 * Privacy: nothing here opens `content`. The destination shows as its country, never as a
 * number; the body never shows.
 */
import type { Database } from '../store/database.js';
import type { MessageState } from './types.js';

export const MESSAGE_STATES: readonly MessageState[] = ['ACCEPTED', 'ENROUTE', 'DELIVERED', 'UNDELIVERABLE', 'EXPIRED', 'REJECTED', 'DELETED', 'UNKNOWN'];

export interface AttemptView {
  n: number;
  carrier: string;
  /** Epoch ms of the outcome. */
  at: number;
  /** accepted, rejected, timeout, lost */
  outcome: string;
  /** The submit_sm_resp command_status, if a response came. */
  status: number | null;
}

export interface MessageSummary {
  id: string;
  account: string;
  state: MessageState;
  /** Carrier of the accepted attempt. */
  carrier: string | null;
  attempts: number;
  /** ISO 3166-1 alpha-2 of the destination; null when unknown. */
  destCountry: string | null;
  submittedAt: number;
  doneAt: number | null;
  /** Last SMPP status or receipt error. */
  errorCode: number | null;
  /** The content rule holding it, or that held it. */
  heldRule: string | null;
}

export interface MessageView extends Omit<MessageSummary, 'attempts'> {
  validUntil: number;
  /** Waiting for the dispatcher now, and from when. */
  queued: boolean;
  nextAttemptAt: number | null;
  /** Parts it went out in (a long message split for its carrier). */
  parts: number;
  /** Sent to a masked party (a mask's or a session's): its real number is in the contact store. */
  masked: boolean;
  attempts: AttemptView[];
}

export interface MessageFilter {
  account?: string;
  state?: MessageState;
  sinceMs?: number;
  /** Any attempt went through this carrier. */
  carrier?: string;
  limit?: number;
}

interface Row {
  id: string;
  account: string;
  state: MessageState;
  carrier: string | null;
  attempts: number;
  dest_country: string | null;
  submitted_at: number;
  done_at: number | null;
  error_code: number | null;
  held_rule: string | null;
  valid_until: number;
  queued: number;
  next_attempt_at: number;
  parts: number;
  relay_leg: string | null;
}

const COLUMNS = 'id, account, state, carrier, attempts, dest_country, submitted_at, done_at, error_code, held_rule, valid_until, queued, next_attempt_at, parts, relay_leg';
export const DEFAULT_MESSAGE_LIMIT = 50;

const summaryOf = (r: Row): MessageSummary => ({
  id: r.id,
  account: r.account,
  state: r.state,
  carrier: r.carrier,
  attempts: r.attempts,
  destCountry: r.dest_country,
  submittedAt: r.submitted_at,
  doneAt: r.done_at,
  errorCode: r.error_code,
  heldRule: r.held_rule,
});

export class MessageReadModel {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  get(id: string): MessageView | undefined {
    const row = this.#db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM messages WHERE id = ?`).get(id);
    if (!row) return undefined;
    const attempts = this.#db.prepare<[string], AttemptView>('SELECT n, carrier, at, outcome, status FROM attempts WHERE message_id = ? ORDER BY n').all(id);
    const { attempts: _count, ...summary } = summaryOf(row);
    return {
      ...summary,
      validUntil: row.valid_until,
      queued: row.queued === 1,
      nextAttemptAt: row.queued === 1 ? row.next_attempt_at : null,
      parts: row.parts,
      masked: row.relay_leg !== null,
      attempts,
    };
  }

  /** Newest first, at most `limit` (default 50). */
  list(filter: MessageFilter = {}): MessageSummary[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.account !== undefined) {
      where.push('account = ?');
      args.push(filter.account);
    }
    if (filter.state !== undefined) {
      where.push('state = ?');
      args.push(filter.state);
    }
    if (filter.sinceMs !== undefined) {
      where.push('submitted_at >= ?');
      args.push(filter.sinceMs);
    }
    if (filter.carrier !== undefined) {
      where.push('(carrier = ? OR EXISTS (SELECT 1 FROM attempts a WHERE a.message_id = messages.id AND a.carrier = ?))');
      args.push(filter.carrier, filter.carrier);
    }
    const sql = `SELECT ${COLUMNS} FROM messages ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY submitted_at DESC, id LIMIT ?`;
    return this.#db
      .prepare<(string | number)[], Row>(sql)
      .all(...args, Math.max(1, Math.trunc(filter.limit ?? DEFAULT_MESSAGE_LIMIT)))
      .map(summaryOf);
  }
}
