/**
 * Retention: what is final or ended is purged once it is older than its class's time
 * (configuration `retention`), by the daemon every `intervalMs` and by `maskgate retention
 * run`. Deletes run under secure_delete (store/database.ts): purged bytes are zeroed.
 *
 * The classes, and what "old" means for each:
 * - messageBodies: a final message's sealed content (addresses and text), by done_at. The
 *   row stays (state, attempts and times answer query_sm and `messages show`); its content
 *   becomes the purged marker (messages/purged-content.ts). Receipts still owed then go out
 *   without addresses.
 * - messages: the row of a final message, with its attempts and parts (ON DELETE CASCADE),
 *   by done_at. A message due for both goes in one step, as a row.
 * - leases: ended leases, by ended_at.
 * - masks, sessions: ended masks and sessions (their legs, and the session row), by ended_at,
 *   but never while something still needs the leg: a message to it not final yet (it is
 *   still sent, to the leg's party), or an MO held for review or a part of a long MO waiting
 *   to be relayed to it. A session goes with both its legs.
 * - contacts: real numbers in the contact store that no leg names any more (and made before
 *   the masks' cutoff, so a contact being given to a new mask at this moment is not taken
 *   from under it), so a party's number lives exactly as long as some mask of it is kept.
 * - deadWebhooks: dead-lettered webhook events (their sealed bodies hold MO text), by dead_at.
 * Outboxes purge themselves: client_receipts and client_mo after accountDefaults.dlrRetentionMs
 * (upstream/owed-forwarder.ts), mo_parts at moReassembly.timeoutMs, early receipts after
 * 10 minutes, delivered webhooks after webhooks.keepDeliveredMs. MO held for review wait for
 * an operator (`maskgate held`). The audit trail is never purged: it is append-only.
 *
 * Each class is purged in batches of `batchSize` rows, each batch one short IMMEDIATE
 * transaction (as store/resealer.ts re-seals), with a turn of the event loop between
 * batches, so the daemon's own writes (group commits of SMPP traffic) wait at most one batch.
 * `plan` counts what a run would purge, with the same conditions, and changes nothing.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Config } from '../config/schema.js';
import { PURGED_SQL } from '../messages/purged-content.js';
import { relayRecipient } from '../messages/mo-recipients.js';
import type { ContactStore } from '../numbers/contact-store.js';
import type { Database } from './database.js';

export type RetentionPolicy = Config['retention'];

export const RETENTION_CLASSES = ['messageBodies', 'messages', 'leases', 'masks', 'sessions', 'contacts', 'deadWebhooks'] as const;
export type RetentionClass = (typeof RETENTION_CLASSES)[number];

/** Per class: how many were (or would be) purged, and the time of the oldest (epoch ms). */
export type RetentionReport = Record<RetentionClass, { count: number; oldest: number | null }>;

interface Cutoffs {
  bodies: number | null;
  messages: number | null;
  leases: number | null;
  relays: number | null;
  webhooks: number | null;
}

const before = (now: number, keepMs: number | null) => (keepMs === null ? null : now - keepMs);

/** No message, long-MO part or held MO still needs leg `alias` (its messages are all final). */
function legUnneeded(alias: string): string {
  return `NOT EXISTS (SELECT 1 FROM messages m WHERE m.relay_leg = ${alias}.id AND m.done_at IS NULL)
    AND NOT EXISTS (SELECT 1 FROM held_mo h WHERE h.recipient = @relayPrefix || ${alias}.id)
    AND NOT EXISTS (SELECT 1 FROM mo_parts p WHERE p.account = @relayPrefix || ${alias}.id)`;
}

/** Leg `g` goes in this pass: ended before the cutoff and unneeded, and for a session leg its session and peer too. */
const LEG_GOES = `g.ended_at IS NOT NULL AND g.ended_at < @cut AND ${legUnneeded('g')}
  AND (g.kind = 'mask' OR (
    EXISTS (SELECT 1 FROM proxy_sessions s WHERE s.id = g.session_id AND s.ended_at IS NOT NULL AND s.ended_at < @cut)
    AND NOT EXISTS (SELECT 1 FROM relay_legs p WHERE p.id = g.peer_leg AND NOT (p.ended_at IS NOT NULL AND p.ended_at < @cut AND ${legUnneeded('p')}))))`;

export class Retention {
  readonly #db: Database;
  readonly #contactsDb: Database;
  readonly #contacts: Pick<ContactStore, 'created' | 'remove'>;
  readonly #policy: RetentionPolicy;
  readonly #relayPrefix = relayRecipient('');

  /** `db` is the routing store; `contacts` the contact store's, on its connection `contactsDb`. */
  constructor(o: { db: Database; contactsDb: Database; contacts: Pick<ContactStore, 'created' | 'remove'>; policy: RetentionPolicy }) {
    this.#db = o.db;
    this.#contactsDb = o.contactsDb;
    this.#contacts = o.contacts;
    this.#policy = o.policy;
  }

  #cutoffs(now: number): Cutoffs {
    const p = this.#policy;
    return {
      bodies: before(now, p.messageBodiesMs),
      messages: before(now, p.messagesMs),
      leases: before(now, p.endedLeasesMs),
      relays: before(now, p.endedRelaysMs),
      webhooks: before(now, p.deadWebhooksMs),
    };
  }

  /** What a run at `now` would purge, per class (a dry run: nothing changes). */
  plan(now = Date.now()): RetentionReport {
    const cut = this.#cutoffs(now);
    const report = emptyReport();
    const tally = (cls: RetentionClass, row: { n: number; oldest: number | null } | undefined) => {
      if (row) add(report, cls, row.n, row.oldest);
    };
    const one = (sql: string, params: Record<string, unknown>) => this.#db.prepare<Record<string, unknown>, { n: number; oldest: number | null }>(sql).get(params);
    if (cut.bodies !== null) tally('messageBodies', one(`SELECT count(*) AS n, min(done_at) AS oldest FROM messages WHERE ${BODIES_DUE}`, { cut: cut.bodies, rowsCut: cut.messages ?? -1 }));
    if (cut.messages !== null) {
      tally('messages', one(`SELECT count(*) AS n, min(done_at) AS oldest FROM messages WHERE done_at IS NOT NULL AND purged_at IS NULL AND done_at < @cut`, { cut: cut.messages }));
      tally('messages', one(`SELECT count(*) AS n, min(done_at) AS oldest FROM messages WHERE purged_at IS NOT NULL AND done_at < @cut`, { cut: cut.messages }));
    }
    if (cut.leases !== null) tally('leases', one(`SELECT count(*) AS n, min(ended_at) AS oldest FROM leases WHERE ended_at IS NOT NULL AND ended_at < @cut`, { cut: cut.leases }));
    if (cut.relays !== null) {
      const legs = { cut: cut.relays, relayPrefix: this.#relayPrefix };
      tally('masks', one(`SELECT count(*) AS n, min(ended_at) AS oldest FROM relay_legs g WHERE g.kind = 'mask' AND ${LEG_GOES}`, legs));
      tally('sessions', one(`SELECT count(DISTINCT session_id) AS n, min(ended_at) AS oldest FROM relay_legs g WHERE g.kind = 'session' AND ${LEG_GOES}`, legs));
      const remains = this.#db.prepare<Record<string, unknown>, number>(`SELECT 1 FROM relay_legs g WHERE g.contact_id = @contact AND NOT (${LEG_GOES}) LIMIT 1`).pluck();
      this.#walkContacts(cut.relays, (batch) => {
        for (const c of batch) if (remains.get({ ...legs, contact: c.id }) === undefined) add(report, 'contacts', 1, c.createdAt);
      });
    }
    if (cut.webhooks !== null) tally('deadWebhooks', one(`SELECT count(*) AS n, min(dead_at) AS oldest FROM webhook_outbox WHERE dead_at IS NOT NULL AND dead_at < @cut`, { cut: cut.webhooks }));
    return report;
  }

  /**
   * Purges every class once, batch after batch; resolves with what it purged. `stopping`
   * is asked between batches: a daemon that stops ends the pass there (the rest waits for
   * the next one).
   */
  async run(opts: { now?: number; stopping?: () => boolean } = {}): Promise<RetentionReport> {
    const now = opts.now ?? Date.now();
    const cut = this.#cutoffs(now);
    const report = emptyReport();
    const stopping = opts.stopping ?? (() => false);
    const batch = this.#policy.batchSize;
    const db = this.#db;

    /** Runs `step` (one transaction, at most `batch` rows read) until it reads less than a batch. */
    const drain = async (cls: RetentionClass, step: () => Batch) => {
      for (;;) {
        if (stopping()) return;
        const done = db.transaction(step).immediate();
        add(report, cls, done.purged, done.oldest);
        if (done.read < batch) return;
        await nextTurn(); // the daemon's writes go between two batches
      }
    };

    if (cut.messages !== null) {
      const params = { cut: cut.messages, batch };
      const due = [
        db.prepare<typeof params, Row>(`SELECT id, done_at AS at FROM messages WHERE done_at IS NOT NULL AND purged_at IS NULL AND done_at < @cut ORDER BY done_at LIMIT @batch`),
        db.prepare<typeof params, Row>(`SELECT id, done_at AS at FROM messages WHERE purged_at IS NOT NULL AND done_at < @cut ORDER BY done_at LIMIT @batch`),
      ];
      const remove = db.prepare<[string]>('DELETE FROM messages WHERE id = ?');
      for (const select of due) await drain('messages', () => eachRow(select.all(params), (r) => remove.run(r.id)));
    }
    if (cut.bodies !== null) {
      const params = { cut: cut.bodies, rowsCut: cut.messages ?? -1, batch };
      const due = db.prepare<typeof params, Row>(`SELECT id, done_at AS at FROM messages WHERE ${BODIES_DUE} ORDER BY done_at LIMIT @batch`);
      const purge = db.prepare<[number, string]>(`UPDATE messages SET content = ${PURGED_SQL}, purged_at = ? WHERE id = ?`);
      await drain('messageBodies', () => eachRow(due.all(params), (r) => purge.run(now, r.id)));
    }
    if (cut.leases !== null) {
      const walk = rowidWalk(db, `SELECT rowid, id, ended_at AS at FROM leases WHERE rowid > @after AND ended_at IS NOT NULL AND ended_at < @cut ORDER BY rowid LIMIT @batch`, { cut: cut.leases, batch });
      const remove = db.prepare<[string]>('DELETE FROM leases WHERE id = ?');
      await drain('leases', () => eachRow(walk(), (r) => remove.run(r.id)));
    }
    if (cut.relays !== null) {
      const legs = { cut: cut.relays, relayPrefix: this.#relayPrefix, batch };
      const removeLeg = db.prepare<[string]>('DELETE FROM relay_legs WHERE id = ?');
      const masks = rowidWalk(db, `SELECT rowid, id, ended_at AS at FROM relay_legs g WHERE g.rowid > @after AND g.kind = 'mask' AND ${LEG_GOES} ORDER BY g.rowid LIMIT @batch`, legs);
      await drain('masks', () => eachRow(masks(), (r) => removeLeg.run(r.id)));
      // A session's two legs go with it: the walk meets the first, and the second is gone by the time it would come.
      const sessionLegs = rowidWalk(db, `SELECT rowid, session_id AS id, ended_at AS at FROM relay_legs g WHERE g.rowid > @after AND g.kind = 'session' AND ${LEG_GOES} ORDER BY g.rowid LIMIT @batch`, legs);
      const removeLegs = db.prepare<[string]>('DELETE FROM relay_legs WHERE session_id = ?');
      const removeSession = db.prepare<[string]>('DELETE FROM proxy_sessions WHERE id = ?');
      await drain('sessions', () =>
        eachRow(sessionLegs(), (r) => {
          removeLegs.run(r.id);
          return removeSession.run(r.id).changes; // 0 for the second leg of a session met in one batch
        }),
      );
      await this.#removeUnusedContacts(cut.relays, report, stopping);
    }
    if (cut.webhooks !== null) {
      const params = { cut: cut.webhooks, batch };
      const due = db.prepare<typeof params, Row>(`SELECT id, dead_at AS at FROM webhook_outbox WHERE dead_at IS NOT NULL AND dead_at < @cut ORDER BY dead_at LIMIT @batch`);
      const remove = db.prepare<[string]>('DELETE FROM webhook_outbox WHERE id = ?');
      await drain('deadWebhooks', () => eachRow(due.all(params), (r) => remove.run(r.id)));
    }
    if (this.#policy.vacuum && total(report) > 0) this.#vacuum(report);
    return report;
  }

  /** Contacts made before the cutoff that no leg names, batch after batch (the contact store's own transactions). */
  async #removeUnusedContacts(cut: number, report: RetentionReport, stopping: () => boolean): Promise<void> {
    const named = this.#db.prepare<[string], number>('SELECT 1 FROM relay_legs WHERE contact_id = ? LIMIT 1').pluck();
    let after = 0;
    for (;;) {
      if (stopping()) return;
      const batch = this.#contacts.created(cut, after, this.#policy.batchSize);
      if (batch.length === 0) return;
      after = batch.at(-1)!.rowid;
      const unused = batch.filter((c) => named.get(c.id) === undefined);
      add(report, 'contacts', this.#contacts.remove(unused.map((c) => c.id)), minOf(unused.map((c) => c.createdAt)));
      await nextTurn();
    }
  }

  #walkContacts(cut: number, visit: (batch: { id: string; createdAt: number }[]) => void): void {
    for (let after = 0; ; ) {
      const batch = this.#contacts.created(cut, after, this.#policy.batchSize);
      if (batch.length === 0) return;
      visit(batch);
      after = batch.at(-1)!.rowid;
    }
  }

  /** Shrinks the files (policy.vacuum): the routing store, and the contact store if contacts went. */
  #vacuum(report: RetentionReport): void {
    this.#db.exec('VACUUM');
    if (report.contacts.count > 0) this.#contactsDb.exec('VACUUM');
  }
}

/** Final messages whose body is due, and whose row is not (a row due goes whole, under `messages`). */
const BODIES_DUE = 'done_at IS NOT NULL AND purged_at IS NULL AND done_at < @cut AND done_at >= @rowsCut';

interface Row {
  id: string;
  at: number | null;
}

/** One batch: rows read, how many of them it purged, the oldest time among those. */
interface Batch {
  read: number;
  purged: number;
  oldest: number | null;
}

/** Applies `act` to each row; it says how many it purged (one, unless it returns a count). */
function eachRow(rows: Row[], act: (row: Row) => unknown): Batch {
  let purged = 0;
  const times: (number | null)[] = [];
  for (const r of rows) {
    const n = act(r);
    const counted = typeof n === 'number' ? n : 1;
    purged += counted;
    if (counted > 0) times.push(r.at);
  }
  return { read: rows.length, purged, oldest: minOf(times) };
}

/**
 * A walk in rowid order over a table without an index for its condition: each call returns
 * the next batch after the last one, so a pass reads the table once, whatever it deletes.
 */
function rowidWalk(db: Database, sql: string, params: Record<string, unknown>): () => Row[] {
  const select = db.prepare<Record<string, unknown>, Row & { rowid: number }>(sql);
  let after = 0;
  return () => {
    const rows = select.all({ ...params, after });
    if (rows.length > 0) after = rows.at(-1)!.rowid;
    return rows;
  };
}

function minOf(values: readonly (number | null)[]): number | null {
  let min: number | null = null;
  for (const v of values) if (v !== null && (min === null || v < min)) min = v;
  return min;
}

function emptyReport(): RetentionReport {
  return Object.fromEntries(RETENTION_CLASSES.map((c) => [c, { count: 0, oldest: null }])) as RetentionReport;
}

function add(report: RetentionReport, cls: RetentionClass, n: number, oldest: number | null): void {
  const entry = report[cls];
  entry.count += n;
  if (n > 0) entry.oldest = minOf([entry.oldest, oldest]);
}

/** Everything a report purged, all classes together. */
export function total(report: RetentionReport): number {
  return RETENTION_CLASSES.reduce((n, c) => n + report[c].count, 0);
}
