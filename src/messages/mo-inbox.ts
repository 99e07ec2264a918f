/**
 * MO owed to clients: a mobile-originated message a carrier delivered to a number an
 * account owns waits here, sealed, until the account's client acknowledges it.
 *
 * Delivery guarantee: `accept` resolves once the MO is committed, and only then is the
 * carrier answered, so an MO is never lost between carrier and client (a crash before
 * the commit makes the carrier send it again). Toward the client it is at-least-once,
 * like receipts: a row is deleted only after the client's deliver_sm_resp with status 0.
 *
 * A long MO comes here once, whole: its parts wait in mo-parts.ts until joined.
 *
 * Writes share the routing store's group-commit queue (MessageStore.writes).
 */
import { EventEmitter } from 'node:events';
import type { Database, Statement } from 'better-sqlite3';
import { open, seal } from '../keys/envelope.js';
import type { WriteBatcher } from '../store/write-batcher.js';
import { decodeContent, encodeContent } from './content-codec.js';
import { newMessageId, type BodyKeys } from './message-store.js';
import type { MessageContent } from './types.js';

/** An MO as it is committed to an account's inbox: what its webhook event is made of. */
export interface InsertedMo {
  id: string;
  account: string;
  carrier: string;
  content: MessageContent;
  receivedAt: number;
}

/** An MO owed to an account, its content open (held only while it is being sent). */
export interface OwedMo {
  seq: number;
  id: string;
  account: string;
  carrier: string;
  content: MessageContent;
  createdAt: number;
}

export class MoInbox {
  /** 'added' (account): an MO for the account was committed. */
  readonly events = new EventEmitter<{ added: [account: string] }>();
  private readonly stmt: Record<string, Statement>;

  constructor(
    private readonly options: {
      db: Database;
      keys: BodyKeys;
      writes: WriteBatcher;
      /** Told of each MO inside the write that inserts it, so what it writes commits with the MO (webhooks' outbox). */
      onInsert?: (mo: InsertedMo) => void;
    },
  ) {
    const db = options.db;
    this.stmt = {
      insert: db.prepare(`INSERT INTO client_mo (id, account, carrier, content, received_at) VALUES (?, ?, ?, ?, ?)`),
      owed: db.prepare(`SELECT seq, id, account, carrier, content, received_at FROM client_mo WHERE account = ? AND seq > ? ORDER BY seq LIMIT ?`),
      owingAccounts: db.prepare(`SELECT DISTINCT account FROM client_mo`),
      delivered: db.prepare(`DELETE FROM client_mo WHERE seq = ?`),
      expire: db.prepare(`DELETE FROM client_mo WHERE received_at < ?`),
      count: db.prepare(`SELECT count(*) AS n FROM client_mo`),
    };
  }

  /** Stores an MO for the account; resolves with its id once committed. */
  async accept(account: string, carrier: string, content: MessageContent, now = Date.now()): Promise<string> {
    const id = newMessageId();
    const sealed = this.sealFor(id, content);
    await this.options.writes.write(() => {
      this.stmt.insert!.run(id, account, carrier, sealed, now);
      this.options.onInsert?.({ id, account, carrier, content, receivedAt: now });
    });
    this.events.emit('added', account);
    return id;
  }

  /**
   * Inserts an MO now, for a caller whose own write must commit with it (reassembly: the
   * joined MO and the removal of its parts). Call it only inside an operation of the
   * store's write batcher, and `announce` the account once that write resolved.
   */
  insertInWrite(account: string, carrier: string, content: MessageContent, now: number): void {
    const id = newMessageId();
    this.stmt.insert!.run(id, account, carrier, this.sealFor(id, content), now);
    this.options.onInsert?.({ id, account, carrier, content, receivedAt: now });
  }

  /** Wakes the account's forwarder: an MO inserted by `insertInWrite` was committed. */
  announce(account: string): void {
    this.events.emit('added', account);
  }

  private sealFor(id: string, content: MessageContent): Buffer {
    const { key, version } = this.options.keys.current;
    return seal(key, version, encodeContent(content), Buffer.from(id));
  }

  /** Up to `limit` MO owed to the account after `afterSeq`, oldest first, opened. */
  owed(account: string, afterSeq: number, limit: number): OwedMo[] {
    const rows = this.stmt.owed!.all(account, afterSeq, limit) as { seq: number; id: string; account: string; carrier: string; content: Buffer; received_at: number }[];
    return rows.map((r) => ({
      seq: r.seq,
      id: r.id,
      account: r.account,
      carrier: r.carrier,
      content: decodeContent(open((v) => this.options.keys.keyFor(v), r.content, Buffer.from(r.id))),
      createdAt: r.received_at,
    }));
  }

  /** The accounts owed at least one MO. */
  accountsOwed(): string[] {
    return (this.stmt.owingAccounts!.all() as { account: string }[]).map((r) => r.account);
  }

  get owedCount(): number {
    return (this.stmt.count!.get() as { n: number }).n;
  }

  /** The client acknowledged the MO: it is owed no more. Resolves once committed. */
  delivered(seq: number): Promise<void> {
    return this.options.writes.write(() => this.stmt.delivered!.run(seq));
  }

  /** Drops MO received before `before` (retention); returns how many. */
  expire(before: number): Promise<number> {
    let dropped = 0;
    return this.options.writes.write(() => (dropped = this.stmt.expire!.run(before).changes)).then(() => dropped);
  }
}
