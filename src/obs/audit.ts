/**
 * The audit trail: who changed what, append-only and hash-chained (routing store, migration 9).
 *
 * Each row carries the previous row's hash and its own:
 *
 *   hash = HMAC-SHA256(audit-chain key, JSON [prev_hash, at, actor, action, subject, detail])
 *
 * so `verify()` finds a row changed (its hash no longer matches its fields), removed (a gap
 * in `seq`, or the head kept in meta no longer matches the last row) or moved (its prev_hash
 * is another row's hash). The key is the store's own random secret (store/store-secrets.ts):
 * somebody who can write the file but has no master key cannot recompute a chain to cover an
 * edit. `seq` is not in the hash, so a swap of two rows' seq values shows as rows out of order
 * rather than as two changed rows.
 *
 * The daemon and the CLI both append, each on its own connection: an IMMEDIATE transaction
 * reads the head and inserts after it, so two writers never fork the chain.
 *
 * Privacy: callers put ids, names, states and counts in `detail`, never a real phone number
 * or a body (pool numbers are ours and may appear).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Database } from '../store/database.js';

export type AuditDetail = Readonly<Record<string, string | number | boolean | null>>;

export interface AuditEntry {
  /** Who: `cli:<user>`, `api:<token id>`, `smpp:<system_id>`, `daemon`. */
  actor: string;
  /** What, as noun.verb: `account.add`, `bind.refused`, `lease.request`. */
  action: string;
  /** What it acted on: a system_id, a token id, a lease id. */
  subject?: string;
  detail?: AuditDetail;
}

export interface AuditRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string | null;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type AuditProblemKind = 'changed' | 'missing' | 'out-of-order' | 'truncated';

export interface AuditProblem {
  kind: AuditProblemKind;
  /** The row where the problem shows (for `missing`, the first row after the gap). */
  seq: number;
  message: string;
}

export interface AuditVerdict {
  ok: boolean;
  rows: number;
  problems: AuditProblem[];
}

export interface AuditQuery {
  sinceMs?: number;
  action?: string;
  limit?: number;
}

const GENESIS = '0'.repeat(64);
/** meta key holding `<seq>:<hash>` of the last row: a removed tail shows against it. */
const HEAD_KEY = 'audit:head';

interface StoredRow {
  seq: number;
  at: number;
  actor: string;
  action: string;
  subject: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

export class AuditLog {
  readonly #db: Database;
  readonly #key: Buffer;
  readonly #now: () => number;
  readonly #append: (entry: AuditEntry) => AuditRow;

  constructor(db: Database, chainKey: Buffer, now: () => number = Date.now) {
    this.#db = db;
    this.#key = chainKey;
    this.#now = now;
    const last = db.prepare<[], Pick<StoredRow, 'seq' | 'hash'>>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
    const insert = db.prepare('INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    const head = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    const append = db.transaction((entry: AuditEntry): AuditRow => {
      const previous = last.get();
      const seq = (previous?.seq ?? 0) + 1;
      const prevHash = previous?.hash ?? GENESIS;
      const detail = canonicalDetail(entry.detail ?? {});
      const at = this.#now();
      const subject = entry.subject ?? null;
      const hash = this.#hashOf({ prev_hash: prevHash, at, actor: entry.actor, action: entry.action, subject, detail });
      insert.run(seq, at, entry.actor, entry.action, subject, detail, prevHash, hash);
      head.run(HEAD_KEY, `${seq}:${hash}`);
      return { seq, at, actor: entry.actor, action: entry.action, subject, detail: JSON.parse(detail) as Record<string, unknown>, prevHash, hash };
    });
    this.#append = (entry) => append.immediate(entry);
  }

  /** Appends one row, committed when this returns (on the caller's connection). */
  record(entry: AuditEntry): AuditRow {
    return this.#append(entry);
  }

  /**
   * Runs a change to the store and records what `describe` makes of its result, in one
   * IMMEDIATE transaction on this log's connection (the change's own transaction nests as a
   * savepoint): never a change without its row, nor a row without its change. `describe`
   * returns undefined when nothing changed.
   */
  change<T>(actor: string, change: () => T, describe: (result: T) => Omit<AuditEntry, 'actor'> | undefined): T {
    return this.#db
      .transaction(() => {
        const result = change();
        const described = describe(result);
        if (described !== undefined) this.#append({ actor, ...described });
        return result;
      })
      .immediate();
  }

  /** Rows in order, oldest first; `limit` keeps the newest. */
  list(query: AuditQuery = {}): AuditRow[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.sinceMs !== undefined) {
      where.push('at >= ?');
      args.push(query.sinceMs);
    }
    if (query.action !== undefined) {
      // `lease` matches lease.request, lease.release, ...; `lease.request` only itself.
      where.push('(action = ? OR action GLOB ?)');
      args.push(query.action, `${query.action.replace(/[*?[]/g, '')}.*`);
    }
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC ${query.limit ? `LIMIT ${Math.trunc(query.limit)}` : ''}`;
    return (this.#db.prepare(sql).all(...args) as StoredRow[]).reverse().map(toRow);
  }

  /** Walks the whole chain and names every row that does not fit. */
  verify(): AuditVerdict {
    const problems: AuditProblem[] = [];
    const rows = this.#db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as StoredRow[];
    const positionOfHash = new Map(rows.map((r, i) => [r.hash, i] as const));
    let expectedSeq = 1;
    let previousHash = GENESIS;
    rows.forEach((row, i) => {
      if (row.seq !== expectedSeq) {
        const gap = row.seq - expectedSeq;
        problems.push({
          kind: 'missing',
          seq: row.seq,
          message: gap === 1 ? `row ${expectedSeq} is missing` : `rows ${expectedSeq} to ${row.seq - 1} are missing`,
        });
      }
      if (!this.#sameHash(this.#hashOf(row), row.hash)) {
        problems.push({ kind: 'changed', seq: row.seq, message: `row ${row.seq} was changed: its hash no longer matches its fields` });
      } else if (row.prev_hash !== previousHash && row.seq === expectedSeq) {
        const at = positionOfHash.get(row.prev_hash);
        problems.push(
          at !== undefined && at > i
            ? { kind: 'out-of-order', seq: row.seq, message: `row ${row.seq} is out of order: it was written after row ${rows[at]!.seq}` }
            : { kind: 'changed', seq: row.seq, message: `row ${row.seq} does not follow row ${rows[i - 1]?.seq ?? 0}: the chain was altered before it` },
        );
      }
      expectedSeq = row.seq + 1;
      previousHash = row.hash;
    });
    const head = this.#db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(HEAD_KEY) as string | undefined;
    if (head !== undefined) {
      const [seqText, hash] = head.split(':');
      const headSeq = Number(seqText);
      const last = rows.at(-1);
      if (!last || last.seq < headSeq) {
        problems.push({ kind: 'truncated', seq: headSeq, message: `the trail ends at row ${last?.seq ?? 0}, but row ${headSeq} was written: the last rows were removed` });
      } else if (last.seq === headSeq && last.hash !== hash) {
        problems.push({ kind: 'changed', seq: headSeq, message: `row ${headSeq} is not the row that was written last` });
      }
    } else if (rows.length > 0) {
      problems.push({ kind: 'truncated', seq: rows.length, message: 'the record of the last row written is missing from the store' });
    }
    return { ok: problems.length === 0, rows: rows.length, problems };
  }

  #hashOf(row: Pick<StoredRow, 'prev_hash' | 'at' | 'actor' | 'action' | 'subject' | 'detail'>): string {
    return createHmac('sha256', this.#key)
      .update(JSON.stringify([row.prev_hash, row.at, row.actor, row.action, row.subject, row.detail]))
      .digest('hex');
  }

  #sameHash(a: string, b: string): boolean {
    const x = Buffer.from(a, 'hex');
    const y = Buffer.from(b, 'hex');
    return x.length === y.length && timingSafeEqual(x, y);
  }
}

/** Keys sorted, so the same detail always hashes the same. */
function canonicalDetail(detail: AuditDetail): string {
  return JSON.stringify(Object.fromEntries(Object.entries(detail).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

function toRow(r: StoredRow): AuditRow {
  return { seq: r.seq, at: r.at, actor: r.actor, action: r.action, subject: r.subject, detail: JSON.parse(r.detail) as Record<string, unknown>, prevHash: r.prev_hash, hash: r.hash };
}
