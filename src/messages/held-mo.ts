/**
 * MO held for review: a watched sender's messages (numbers/abuse-guard.ts) wait here, sealed,
 * instead of reaching their recipient. An operator lists them (never their content: the
 * listing shows who they were for and when), and releases or drops them with `maskgate held`.
 * The CLI only marks a row released; the daemon, which owns delivery, passes released rows on
 * through the normal MO path (reassembly included) and deletes them.
 *
 * Delivery guarantee: the pass-on commits before the row is deleted, so a crash between the
 * two passes the MO on twice (at-least-once, like every MO path).
 */
import type { Database, Statement } from 'better-sqlite3';
import { open, seal } from '../keys/envelope.js';
import type { WriteBatcher } from '../store/write-batcher.js';
import { decodeContent, encodeContent } from './content-codec.js';
import { newMessageId, type BodyKeys } from './message-store.js';
import type { MessageContent } from './types.js';

export interface HeldView {
  id: string;
  /** An account's system_id, or a relay leg (messages/mo-recipients.ts). */
  recipient: string;
  carrier: string;
  reason: string;
  receivedAt: number;
  releasedAt: number | null;
}

interface HeldRow {
  seq: number;
  id: string;
  recipient: string;
  carrier: string;
  content: Buffer;
  reason: string;
  received_at: number;
  released_at: number | null;
}

const view = (r: HeldRow): HeldView => ({ id: r.id, recipient: r.recipient, carrier: r.carrier, reason: r.reason, receivedAt: r.received_at, releasedAt: r.released_at });

export class HeldMo {
  readonly #db: Database;
  readonly #keys: BodyKeys | undefined;
  readonly #insert: Statement;

  /** Without keys (the CLI) it lists, releases and drops, and never opens a held MO. */
  constructor(opts: { db: Database; keys?: BodyKeys }) {
    this.#db = opts.db;
    this.#keys = opts.keys;
    this.#insert = opts.db.prepare('INSERT INTO held_mo (id, recipient, carrier, content, reason, received_at) VALUES (?, ?, ?, ?, ?, ?)');
  }

  /** Holds an MO; resolves once committed (then the carrier may be answered). */
  async hold(writes: WriteBatcher, recipient: string, carrier: string, content: MessageContent, reason: string, now = Date.now()): Promise<string> {
    const id = newMessageId();
    const { key, version } = this.#requireKeys().current;
    const sealed = seal(key, version, encodeContent(content), Buffer.from(id));
    await writes.write(() => this.#insert.run(id, recipient, carrier, sealed, reason, now));
    return id;
  }

  list(limit = 1000): HeldView[] {
    return (this.#db.prepare('SELECT * FROM held_mo ORDER BY seq LIMIT ?').all(limit) as HeldRow[]).map(view);
  }

  /** Marks held MO released (all of them without an id); returns how many. */
  release(id: string | undefined, now = Date.now()): number {
    const where = id === undefined ? '' : ' AND id = @id';
    return this.#db.prepare(`UPDATE held_mo SET released_at = @now WHERE released_at IS NULL${where}`).run({ now, id }).changes;
  }

  /** Deletes a held MO unread; returns how many (0 or 1). */
  drop(id: string): number {
    return this.#db.prepare('DELETE FROM held_mo WHERE id = ?').run(id).changes;
  }

  /** Released MO waiting to be passed on, oldest first, opened. */
  released(limit: number): { seq: number; recipient: string; carrier: string; content: MessageContent }[] {
    const keys = this.#requireKeys();
    const rows = this.#db.prepare('SELECT * FROM held_mo WHERE released_at IS NOT NULL ORDER BY seq LIMIT ?').all(limit) as HeldRow[];
    return rows.map((r) => ({ seq: r.seq, recipient: r.recipient, carrier: r.carrier, content: decodeContent(open((v) => keys.keyFor(v), r.content, Buffer.from(r.id))) }));
  }

  #requireKeys(): BodyKeys {
    if (!this.#keys) throw new Error('HeldMo was made without keys: it cannot seal or open held MO');
    return this.#keys;
  }

  /** A released MO was passed on: it is held no more. */
  passedOn(writes: WriteBatcher, seq: number): Promise<void> {
    return writes.write(() => this.#db.prepare('DELETE FROM held_mo WHERE seq = ?').run(seq));
  }
}
