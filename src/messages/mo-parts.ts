/**
 * The parts of a long MO, held until their message is whole. A carrier delivers a long MO
 * as several deliver_sm; the carrier side reads where each sits (carriers/mo-reassembly.ts:
 * UDH or SAR TLVs) and hands it here with its numbers. A part is committed before the
 * carrier is answered, like any MO (mo-inbox.ts), so none is lost between the carrier and
 * its siblings, across a restart too. The domain keeps parts as opaque records and never
 * reads their UDH: joining them is the caller's function.
 *
 * Policy:
 * - Parts belong together when carrier, sender, our number, concatenation form and
 *   reference agree. The table holds an HMAC of those (the group key), never the numbers.
 *   Parts may come in any order; a part that comes again is kept once.
 * - The part that makes its message whole joins it in the same transaction: the caller's
 *   `join` turns the parts (in part order) into one MO, which goes to client_mo as the
 *   parts leave. If they do not join (a carrier mixing alphabets), each goes to the
 *   client as its own MO, as it came: never lost.
 * - A part whose total disagrees with the parts already held cannot be of their message:
 *   it goes to the client as its own MO, as it came.
 * - `expire` ends the wait of messages whose first part is older than the timeout:
 *   'deliver' hands the client the parts that came, each as it came (its concatenation
 *   header says which are missing), 'drop' deletes them.
 */
import { createHmac } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { open, seal } from '../keys/envelope.js';
import type { WriteBatcher } from '../store/write-batcher.js';
import { decodeContent, encodeContent } from './content-codec.js';
import type { BodyKeys } from './message-store.js';
import type { MoInbox } from './mo-inbox.js';
import type { MessageContent } from './types.js';

/** One part of a long MO, numbered by the carrier side. */
export interface MoPart {
  /** The account owning the destination number now. */
  account: string;
  carrier: string;
  /** How the parts are numbered (udh8, udh16, sar): parts of one message share it. */
  form: string;
  reference: number;
  total: number;
  /** 1..total. */
  seq: number;
  /** The part as the carrier sent it. */
  content: MessageContent;
}

/** Joins the parts of a whole message, in part order, into one MO; undefined if they do not join. */
export type JoinParts = (parts: readonly MessageContent[]) => MessageContent | undefined;

export type PartOutcome =
  /** Held: its message still waits for other parts. */
  | 'held'
  /** This part of this message was held already: kept once. */
  | 'duplicate'
  /** It made its message whole: one joined MO is owed to the client. */
  | 'joined'
  /** It made its message whole, but the parts do not join: each is owed as it came. */
  | 'unjoinable'
  /** Its total disagrees with the parts held: it is owed as it came, on its own. */
  | 'mismatched';

export interface PartTaken {
  outcome: PartOutcome;
  /** MO written to client_mo by this part (0 while held). */
  owed: number;
}

export type TimeoutPolicy = 'deliver' | 'drop';

/** Messages ended by one sweep at most: a sweep is one transaction, kept short. */
const EXPIRE_BATCH = 500;

interface PartRow {
  group_key: string;
  seq: number;
  account: string;
  carrier: string;
  content: Buffer;
}

export class MoParts {
  private readonly stmt: Record<string, Statement>;

  constructor(
    private readonly options: {
      db: Database;
      keys: BodyKeys;
      /** The HMAC key of group keys: the routing store's own (store/store-secrets.ts). */
      groupKey: Buffer;
      writes: WriteBatcher;
      inbox: Pick<MoInbox, 'insertInWrite' | 'announce'>;
    },
  ) {
    const db = options.db;
    this.stmt = {
      heldTotal: db.prepare(`SELECT total FROM mo_parts WHERE group_key = ? LIMIT 1`),
      insert: db.prepare(`INSERT OR IGNORE INTO mo_parts (group_key, seq, total, account, carrier, content, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      count: db.prepare(`SELECT count(*) AS n FROM mo_parts WHERE group_key = ?`),
      parts: db.prepare(`SELECT group_key, seq, account, carrier, content FROM mo_parts WHERE group_key = ? ORDER BY seq`),
      dropGroup: db.prepare(`DELETE FROM mo_parts WHERE group_key = ?`),
      // A message whose any part is older than the cut-off has its first part older too.
      stale: db.prepare(`SELECT DISTINCT group_key FROM mo_parts WHERE received_at < ? LIMIT ?`),
      heldCount: db.prepare(`SELECT count(*) AS n FROM mo_parts`),
    };
  }

  /** Parts held, of every message still incomplete. */
  get heldCount(): number {
    return (this.stmt.heldCount!.get() as { n: number }).n;
  }

  /** Holds a part, or completes its message; resolves once committed. */
  async add(part: MoPart, join: JoinParts, now = Date.now()): Promise<PartTaken> {
    const group = this.groupKeyOf(part);
    const { key, version } = this.options.keys.current;
    const sealed = seal(key, version, encodeContent(part.content), partAad(group, part.seq));
    const owedTo = new Set<string>();
    let taken: PartTaken = { outcome: 'held', owed: 0 };
    await this.options.writes.write(() => {
      taken = this.addInWrite(group, part, sealed, join, now, owedTo);
    });
    for (const account of owedTo) this.options.inbox.announce(account);
    return taken;
  }

  private addInWrite(group: string, part: MoPart, sealed: Buffer, join: JoinParts, now: number, owedTo: Set<string>): PartTaken {
    const owe = (account: string, carrier: string, content: MessageContent) => {
      this.options.inbox.insertInWrite(account, carrier, content, now);
      owedTo.add(account);
    };
    const held = this.stmt.heldTotal!.get(group) as { total: number } | undefined;
    if (held && held.total !== part.total) {
      owe(part.account, part.carrier, part.content);
      return { outcome: 'mismatched', owed: 1 };
    }
    const inserted = this.stmt.insert!.run(group, part.seq, part.total, part.account, part.carrier, sealed, now).changes > 0;
    if (!inserted) return { outcome: 'duplicate', owed: 0 };
    if ((this.stmt.count!.get(group) as { n: number }).n < part.total) return { outcome: 'held', owed: 0 };

    const rows = this.stmt.parts!.all(group) as PartRow[];
    const contents = rows.map((row) => this.openPart(row));
    this.stmt.dropGroup!.run(group);
    const joined = join(contents);
    if (joined) {
      owe(part.account, part.carrier, joined);
      return { outcome: 'joined', owed: 1 };
    }
    rows.forEach((row, i) => owe(row.account, row.carrier, contents[i]!));
    return { outcome: 'unjoinable', owed: rows.length };
  }

  /**
   * Ends the wait of messages with a part received before `before`: by `policy`, their
   * parts become MO owed to the client as they came, or are dropped. Resolves with how
   * many messages and parts, once committed.
   */
  async expire(before: number, policy: TimeoutPolicy, now = Date.now()): Promise<{ messages: number; parts: number }> {
    const ended = { messages: 0, parts: 0 };
    const owedTo = new Set<string>();
    await this.options.writes.write(() => {
      for (const { group_key } of this.stmt.stale!.all(before, EXPIRE_BATCH) as { group_key: string }[]) {
        const rows = this.stmt.parts!.all(group_key) as PartRow[];
        if (policy === 'deliver') {
          for (const row of rows) {
            this.options.inbox.insertInWrite(row.account, row.carrier, this.openPart(row), now);
            owedTo.add(row.account);
          }
        }
        this.stmt.dropGroup!.run(group_key);
        ended.messages++;
        ended.parts += rows.length;
      }
    });
    for (const account of owedTo) this.options.inbox.announce(account);
    return ended;
  }

  /** Which parts belong together, as an HMAC: the numbers stay out of the table. */
  private groupKeyOf(part: MoPart): string {
    const identity = JSON.stringify([part.carrier, part.content.sourceAddr, part.content.destinationAddr, part.form, part.reference]);
    return createHmac('sha256', this.options.groupKey).update(identity).digest('hex');
  }

  private openPart(row: PartRow): MessageContent {
    return decodeContent(open((v) => this.options.keys.keyFor(v), row.content, partAad(row.group_key, row.seq)));
  }
}

/** A sealed part belongs to its message and position: copied elsewhere it fails to open. */
export function partAad(group: string, seq: number): Buffer {
  return Buffer.from(`mo-part:${group}:${seq}`);
}
