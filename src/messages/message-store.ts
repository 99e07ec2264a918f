/**
 * Messages in the routing store: accept durably, hand out what is due, record what each
 * attempt did, match carrier receipts, and queue receipts owed to clients.
 *
 * Delivery guarantee (at-least-once toward carriers): a message is durable before `enqueue`
 * resolves. The dispatcher takes it with `claimDue`, which marks it taken in memory only:
 * on disk it stays queued until its settlement commits (ENROUTE, final, or rescheduled), so
 * if the process dies before the carrier's answer is recorded, the message is simply due
 * again at the next start. A claim writes nothing: it used to cost its own transaction and
 * fsync per batch, a seventh of the relay's CPU. Only messages in flight at a crash can
 * reach a carrier twice.
 *
 * Every write goes through the WriteBatcher (group commit); reads are synchronous.
 */
import { EventEmitter } from 'node:events';
import type { Database, Statement } from 'better-sqlite3';
import { open, seal } from '../keys/envelope.js';
import { randomPiece } from '../keys/random-pool.js';
import { WriteBatcher, type WriteBatcherOptions } from '../store/write-batcher.js';
import { decodeContent, encodeContent } from './content-codec.js';
import { isPurged } from './purged-content.js';
import { FINAL_STATES, type MessageContent, type MessageState, type NewMessage } from './types.js';

/**
 * The routing-bodies keys (keys/key-ring.ts). `current` is read at each seal, and a record is
 * sealed in the same tick its write is queued: `keys rotate` relies on both
 * (store/sealing-handshake.ts).
 */
export interface BodyKeys {
  current: { version: number; key: Buffer };
  keyFor(version: number): Buffer | undefined;
}

export interface MessageStoreOptions {
  db: Database;
  keys: BodyKeys;
  batch: WriteBatcherOptions;
  /** Validity given to a message whose client set none (carriers default to 24–72 h). */
  defaultValidityMs: number;
  /**
   * Told of each final state inside the write that records it, so what it writes commits
   * with it (webhooks' outbox: a dlr event for every final state, asked for or not).
   */
  onFinal?: (final: { id: string; account: string; state: MessageState; errorCode: number; doneAt: number }) => void;
}

/** A message the dispatcher has taken; its content is open only in this object. */
export interface ClaimedMessage {
  id: string;
  account: string;
  content: MessageContent;
  registeredDelivery: number;
  validUntil: number;
  attempts: number;
  submittedAt: number;
  /** A masked message: the relay leg whose pool number sends it and whose party gets it. */
  relayLeg: string | null;
}

export interface MessageStatus {
  id: string;
  account: string;
  state: MessageState;
  submittedAt: number;
  doneAt: number | null;
  errorCode: number | null;
  carrier: string | null;
  attempts: { n: number; carrier: string; at: number; outcome: string; status: number | null }[];
}

export type AttemptOutcome = 'accepted' | 'rejected' | 'timeout' | 'lost';

export interface AttemptRecord {
  n: number;
  carrier: string;
  bind: string | null;
  outcome: AttemptOutcome;
  status: number | null;
  carrierMessageId?: string;
}

/** A receipt owed to a client, with the dates its text needs (the message may be purged: then null). */
export interface OwedReceipt {
  seq: number;
  messageId: string;
  state: MessageState;
  errorCode: number;
  createdAt: number;
  submittedAt: number | null;
  doneAt: number | null;
  /** The message's addresses; undefined once the message is purged. */
  addresses: ReceiptAddresses | undefined;
}

/** The addresses of a message, and nothing else of its sealed content (a receipt travels back on them). */
export type ReceiptAddresses = Pick<MessageContent, 'sourceAddr' | 'sourceTon' | 'sourceNpi' | 'destinationAddr' | 'destTon' | 'destNpi'>;

export type Settlement =
  /** The carrier took every part; one entry per submit_sm, in the order they were sent. */
  | { kind: 'accepted'; carrier: string; parts: { carrierMessageId: string; carrierKey: string }[] }
  | { kind: 'retry'; nextAttemptAt: number; errorCode: number | null }
  | { kind: 'final'; state: MessageState; errorCode: number };

/** A row as the dispatcher's claim reads it. */
interface ClaimRow {
  id: string;
  account: string;
  content: Buffer;
  registered_delivery: number;
  valid_until: number;
  attempts: number;
  submitted_at: number;
  relay_leg: string | null;
  held_rule: string | null;
}

/** The receipt err of a message an operator dropped: ESME_RSUBMITFAIL, as a content block answers (SMPP 3.4 §5.1.3). */
const CONTENT_REFUSED_ERROR = 0x45;
/** The receipt err of a message whose party was forgotten before it was sent: no route to anyone, as the dispatcher says. */
const NOBODY_TO_SEND_TO_ERROR = 0x0b;

/**
 * A due message that must be ended instead of sent: one an operator dropped while a content
 * rule held it (queued again with its rule still set: REJECTED), or one whose content was
 * purged before it was sent (its party forgotten: nothing and nobody left to send to).
 */
function unsentEnd(row: ClaimRow): { state: MessageState; errorCode: number } | undefined {
  if (row.held_rule !== null) return { state: 'REJECTED', errorCode: CONTENT_REFUSED_ERROR };
  if (isPurged(row.content)) return { state: 'UNDELIVERABLE', errorCode: NOBODY_TO_SEND_TO_ERROR };
  return undefined;
}

/** Whether a client asked for a receipt in this final state (registered_delivery bits 0–1). */
function receiptWanted(registeredDelivery: number, state: MessageState): boolean {
  const ask = registeredDelivery & 0x03;
  return ask === 1 || (ask === 2 && state !== 'DELIVERED');
}

/** 16 hex characters, random: unguessable, so one client cannot query another's messages by counting. */
export function newMessageId(): string {
  return randomPiece(8).toString('hex'); // pooled: randomBytes(8) per message was 8 % of the CPU
}

export class MessageStore {
  /** 'final' (id, state, account, ms since it was submitted): emitted once a message's final state is committed. */
  readonly events = new EventEmitter<{ final: [id: string, state: MessageState, account: string, sinceSubmitMs: number] }>();
  /**
   * The database's one group-commit queue. Other stores on the same database (the MO inbox)
   * write through it too, so their writes share a transaction and an fsync with ours.
   */
  readonly writes: WriteBatcher;
  /** Finals decided in the batch being written, announced once it commits. */
  private finals: [id: string, state: MessageState, account: string, sinceSubmitMs: number][] = [];
  private readonly stmt: Record<string, Statement>;
  /** Claimed and not yet settled (committed): in flight in this process. */
  private readonly taken = new Set<string>();

  constructor(private readonly options: MessageStoreOptions) {
    const db = options.db;
    this.writes = new WriteBatcher(db, options.batch);
    this.stmt = {
      insert: db.prepare(
        `INSERT INTO messages (id, account, state, content, registered_delivery, dest_country, submitted_at, valid_until, queued, next_attempt_at, relay_leg, held_rule)
         VALUES (?, ?, 'ACCEPTED', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      due: db.prepare(`SELECT id FROM messages WHERE queued = 1 AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`),
      claim: db.prepare(`SELECT id, account, content, registered_delivery, valid_until, attempts, submitted_at, relay_leg, held_rule FROM messages WHERE id = ?`),
      // Held messages (a content rule) wait unqueued for an operator, not for a restart.
      recover: db.prepare(`UPDATE messages SET queued = 1 WHERE queued = 0 AND state = 'ACCEPTED' AND held_rule IS NULL`),
      attempt: db.prepare(`INSERT INTO attempts (message_id, n, carrier, bind, at, outcome, status, carrier_message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      accepted: db.prepare(`UPDATE messages SET state = 'ENROUTE', queued = 0, attempts = ?, carrier = ?, carrier_message_id = ?, carrier_key = ?, parts = ? WHERE id = ? AND state = 'ACCEPTED'`),
      part: db.prepare(`INSERT OR REPLACE INTO message_parts (message_id, n, carrier, carrier_message_id, carrier_key, state) VALUES (?, ?, ?, ?, ?, NULL)`),
      partByCarrierKey: db.prepare(
        `SELECT p.message_id, p.n FROM message_parts p JOIN messages m ON m.id = p.message_id
         WHERE p.carrier = ? AND p.carrier_key = ? ORDER BY m.submitted_at DESC LIMIT 1`,
      ),
      partFinal: db.prepare(`UPDATE message_parts SET state = ? WHERE message_id = ? AND n = ? AND state IS NULL`),
      partsDelivered: db.prepare(`SELECT count(*) AS n FROM message_parts WHERE message_id = ? AND state = 'DELIVERED'`),
      partsOf: db.prepare(`SELECT parts FROM messages WHERE id = ?`),
      reschedule: db.prepare(`UPDATE messages SET queued = 1, next_attempt_at = ?, attempts = ?, error_code = COALESCE(?, error_code) WHERE id = ?`),
      finalize: db.prepare(`UPDATE messages SET state = ?, queued = 0, error_code = ?, done_at = ? WHERE id = ? AND done_at IS NULL`),
      head: db.prepare(`SELECT account, registered_delivery, submitted_at FROM messages WHERE id = ?`),
      byCarrierKey: db.prepare(`SELECT id, state FROM messages WHERE carrier = ? AND carrier_key = ? ORDER BY submitted_at DESC LIMIT 1`),
      holdReceipt: db.prepare(`INSERT OR REPLACE INTO early_receipts (carrier, carrier_key, state, error_code, received_at) VALUES (?, ?, ?, ?, ?)`),
      heldReceipt: db.prepare(`SELECT state, error_code FROM early_receipts WHERE carrier = ? AND carrier_key = ?`),
      dropHeld: db.prepare(`DELETE FROM early_receipts WHERE carrier = ? AND carrier_key = ?`),
      expireHeld: db.prepare(`DELETE FROM early_receipts WHERE received_at < ?`),
      clientReceipt: db.prepare(`INSERT INTO client_receipts (message_id, account, state, error_code, created_at) VALUES (?, ?, ?, ?, ?)`),
      owedReceipts: db.prepare(
        `SELECT r.seq, r.message_id, r.state, r.error_code, r.created_at, m.submitted_at, m.done_at, m.content
         FROM client_receipts r LEFT JOIN messages m ON m.id = r.message_id
         WHERE r.account = ? AND r.seq > ? ORDER BY r.seq LIMIT ?`,
      ),
      owingAccounts: db.prepare(`SELECT DISTINCT account FROM client_receipts`),
      receiptSent: db.prepare(`DELETE FROM client_receipts WHERE seq = ?`),
      expireReceipts: db.prepare(`DELETE FROM client_receipts WHERE created_at < ?`),
      status: db.prepare(`SELECT id, account, state, submitted_at, done_at, error_code, carrier FROM messages WHERE id = ?`),
      attempts: db.prepare(`SELECT n, carrier, at, outcome, status FROM attempts WHERE message_id = ? ORDER BY n`),
      queuedCount: db.prepare(`SELECT count(*) AS n FROM messages WHERE queued = 1`),
      // Queued, or held by a content rule (never sent): either way no carrier has it.
      cancellable: db.prepare(
        `SELECT 1 FROM messages WHERE id = ? AND account = ? AND state = 'ACCEPTED' AND (queued = 1 OR held_rule IS NOT NULL)
         AND NOT EXISTS (SELECT 1 FROM attempts WHERE message_id = messages.id AND outcome IN ('accepted', 'timeout', 'lost'))`,
      ),
    };
  }

  /** Runs a write in the next batch; finals it decided are announced after the commit. */
  private write(op: () => void): Promise<void> {
    return this.writes.write(op).then(
      () => {
        const finals = this.finals;
        if (finals.length === 0) return;
        this.finals = [];
        for (const [id, state, account, sinceSubmitMs] of finals) this.events.emit('final', id, state, account, sinceSubmitMs);
      },
      (err: unknown) => {
        this.finals = []; // the batch rolled back: none of its finals happened
        throw err;
      },
    );
  }

  /** Accepts a message; resolves with its id once it is committed (durable). */
  async enqueue(message: NewMessage, destCountry: string | null, now = Date.now()): Promise<string> {
    const id = newMessageId();
    const sealed = this.sealContent(id, message.content);
    await this.write(() => this.insertRow(id, sealed, message, destCountry, now));
    return id;
  }

  /**
   * Accepts a message now, for a caller whose own write must commit with it (a proxy
   * session's relay of a joined MO). Call it only inside an operation of `writes`.
   */
  insertInWrite(message: NewMessage, destCountry: string | null, now: number): string {
    const id = newMessageId();
    this.insertRow(id, this.sealContent(id, message.content), message, destCountry, now);
    return id;
  }

  private sealContent(id: string, content: MessageContent): Buffer {
    return seal(this.options.keys.current.key, this.options.keys.current.version, encodeContent(content), Buffer.from(id));
  }

  private insertRow(id: string, sealed: Buffer, message: NewMessage, destCountry: string | null, now: number): void {
    const validUntil = message.validUntil ?? now + this.options.defaultValidityMs;
    const held = message.heldRule ?? null;
    this.stmt.insert!.run(id, message.account, sealed, message.registeredDelivery, destCountry, now, validUntil, held === null ? 1 : 0, now, message.relayLeg ?? null, held);
  }

  /**
   * Takes up to `limit` due messages for dispatch, oldest first, and opens their content.
   * Synchronous, and what it takes stays in `taken` until its settlement commits, so two
   * claims never take the same message. The messages in flight are due too (their rows
   * are unchanged), so the read skips past them: at most the dispatcher's in-flight bound.
   */
  claimDue(now: number, limit: number): ClaimedMessage[] {
    const ids = (this.stmt.due!.all(now, limit + this.taken.size) as { id: string }[]).map((r) => r.id).filter((id) => !this.taken.has(id)).slice(0, limit);
    const rows: ClaimRow[] = [];
    for (const id of ids) {
      this.taken.add(id);
      const row = this.stmt.claim!.get(id) as ClaimRow;
      const unsent = unsentEnd(row);
      if (unsent) this.endUnsent(id, unsent, now);
      else rows.push(row);
    }
    return rows.map((r) => ({
      id: r.id,
      account: r.account,
      content: decodeContent(open((v) => this.options.keys.keyFor(v), r.content, Buffer.from(r.id))),
      registeredDelivery: r.registered_delivery,
      validUntil: r.valid_until,
      attempts: r.attempts,
      submittedAt: r.submitted_at,
      relayLeg: r.relay_leg,
    }));
  }

  /**
   * Ends a due message that must not be sent (see `unsentEnd`), taken until that commits;
   * a failed write leaves it queued, due again.
   */
  private endUnsent(id: string, end: { state: MessageState; errorCode: number }, now: number): void {
    this.write(() => this.finalizeNow(id, end.state, end.errorCode, now))
      .catch(() => undefined)
      .finally(() => this.taken.delete(id));
  }

  /**
   * At start-up: rows a version before this one marked taken (queued = 0) without an answer
   * go back to the queue (at-least-once). Claims no longer write, so new stores have none.
   */
  recoverInFlight(): number {
    return this.stmt.recover!.run().changes;
  }

  get queuedCount(): number {
    return (this.stmt.queuedCount!.get() as { n: number }).n;
  }

  /**
   * Records one dispatch pass: every attempt it made, then where the message stands.
   * 'accepted' makes it ENROUTE and applies a receipt that came before the resp; 'retry'
   * puts it back in the queue for later; 'final' ends it (and owes the client a receipt).
   */
  settle(m: ClaimedMessage, attempts: readonly AttemptRecord[], settlement: Settlement, now = Date.now()): Promise<void> {
    const settled = this.write(() => {
      for (const a of attempts) this.stmt.attempt!.run(m.id, a.n, a.carrier, a.bind, now, a.outcome, a.status, a.carrierMessageId ?? null);
      const n = m.attempts + attempts.length;
      switch (settlement.kind) {
        case 'accepted': {
          const { carrier, parts } = settlement;
          const whole = parts.length === 1;
          // A message sent whole is found by its own carrier_key; one in parts by its parts'.
          this.stmt.accepted!.run(n, carrier, parts[0]!.carrierMessageId, whole ? parts[0]!.carrierKey : null, parts.length, m.id);
          if (!whole) parts.forEach((p, i) => this.stmt.part!.run(m.id, i + 1, carrier, p.carrierMessageId, p.carrierKey));
          parts.forEach((p, i) => {
            const held = this.stmt.heldReceipt!.get(carrier, p.carrierKey) as { state: MessageState; error_code: number } | undefined;
            if (!held) return;
            this.stmt.dropHeld!.run(carrier, p.carrierKey);
            this.receiptNow(m.id, whole ? null : i + 1, held.state, held.error_code, now);
          });
          return;
        }
        case 'retry':
          this.stmt.reschedule!.run(settlement.nextAttemptAt, n, settlement.errorCode, m.id);
          return;
        case 'final':
          this.finalizeNow(m.id, settlement.state, settlement.errorCode, now);
          return;
      }
    });
    // Taken until the outcome is on disk: a failed commit leaves it queued, due again.
    return settled.finally(() => this.taken.delete(m.id));
  }

  /**
   * A carrier's receipt. 'matched' when it found its message; 'held' when none is known yet
   * (the submit_sm_resp may still be on its way): kept in early_receipts until matched or
   * swept. Resolves once committed, so the carrier is answered only after it is durable.
   */
  applyReceipt(r: { carrier: string; carrierKey: string; state: MessageState; errorCode: number }, now = Date.now()): Promise<'matched' | 'held'> {
    let result: 'matched' | 'held' = 'held';
    return this.write(() => {
        const whole = this.stmt.byCarrierKey!.get(r.carrier, r.carrierKey) as { id: string } | undefined;
        const part = whole ? undefined : (this.stmt.partByCarrierKey!.get(r.carrier, r.carrierKey) as { message_id: string; n: number } | undefined);
        if (!whole && !part) {
          this.stmt.holdReceipt!.run(r.carrier, r.carrierKey, r.state, r.errorCode, now);
          result = 'held';
          return;
        }
        result = 'matched';
        if (whole) this.receiptNow(whole.id, null, r.state, r.errorCode, now);
        else this.receiptNow(part!.message_id, part!.n, r.state, r.errorCode, now);
      }).then(() => result);
  }

  /** Forgets held receipts older than `before`; returns how many were dropped unmatched. */
  sweepEarlyReceipts(before: number): Promise<number> {
    let dropped = 0;
    return this.writes.write(() => (dropped = this.stmt.expireHeld!.run(before).changes)).then(() => dropped);
  }

  /**
   * cancel_sm: DELETED, durably, if the message is the account's, waits in the queue (not
   * in flight) and no carrier may have it (no attempt accepted, timed out or lost). Anything
   * else is false: a message a carrier may hold cannot be taken back from here.
   */
  cancelQueued(id: string, account: string, now = Date.now()): Promise<boolean> {
    let cancelled = false;
    return this.write(() => {
      // One in flight is queued on disk but may be at a carrier already.
      if (this.taken.has(id) || !this.stmt.cancellable!.get(id, account)) return;
      this.finalizeNow(id, 'DELETED', 0, now);
      cancelled = true;
    }).then(() => cancelled);
  }

  /**
   * Up to `limit` receipts owed to the account after `afterSeq`, oldest first, with the
   * addresses they travel back on (read in the same join: a second read per receipt was a
   * tenth of the relay's CPU).
   */
  owedReceipts(account: string, afterSeq: number, limit: number): OwedReceipt[] {
    const rows = this.stmt.owedReceipts!.all(account, afterSeq, limit) as {
      seq: number;
      message_id: string;
      state: MessageState;
      error_code: number;
      created_at: number;
      submitted_at: number | null;
      done_at: number | null;
      content: Buffer | null;
    }[];
    return rows.map((r) => ({
      seq: r.seq,
      messageId: r.message_id,
      state: r.state,
      errorCode: r.error_code,
      createdAt: r.created_at,
      submittedAt: r.submitted_at,
      doneAt: r.done_at,
      addresses: r.content === null || isPurged(r.content) ? undefined : this.addressesOf(r.message_id, r.content),
    }));
  }

  /** The accounts that are owed at least one receipt (bounded by the number of accounts). */
  accountsOwedReceipts(): string[] {
    return (this.stmt.owingAccounts!.all() as { account: string }[]).map((r) => r.account);
  }

  /** Opens a message's content for its addresses only. */
  private addressesOf(id: string, sealed: Buffer): ReceiptAddresses {
    const c = decodeContent(open((v) => this.options.keys.keyFor(v), sealed, Buffer.from(id)));
    return { sourceAddr: c.sourceAddr, sourceTon: c.sourceTon, sourceNpi: c.sourceNpi, destinationAddr: c.destinationAddr, destTon: c.destTon, destNpi: c.destNpi };
  }

  /** The client acknowledged the receipt: it is owed no more. Resolves once committed. */
  receiptDelivered(seq: number): Promise<void> {
    return this.writes.write(() => this.stmt.receiptSent!.run(seq));
  }

  /** Drops receipts owed since before `before` (retention); returns how many. */
  expireClientReceipts(before: number): Promise<number> {
    let dropped = 0;
    return this.writes.write(() => (dropped = this.stmt.expireReceipts!.run(before).changes)).then(() => dropped);
  }

  status(id: string): MessageStatus | undefined {
    const row = this.stmt.status!.get(id) as { id: string; account: string; state: MessageState; submitted_at: number; done_at: number | null; error_code: number | null; carrier: string | null } | undefined;
    if (!row) return undefined;
    const attempts = this.stmt.attempts!.all(id) as MessageStatus['attempts'];
    return { id: row.id, account: row.account, state: row.state, submittedAt: row.submitted_at, doneAt: row.done_at, errorCode: row.error_code, carrier: row.carrier, attempts };
  }

  /** Commits what waits and refuses further writes (shutdown). */
  close(): void {
    this.writes.close();
  }

  /**
   * Inside a batch: a carrier receipt for the message (part null) or one of its parts. An
   * intermediate state (ENROUTE, ACCEPTED) changes nothing we report. A part's failure
   * ends the message at once with that state (the client gets one receipt: the first
   * failure); the message is DELIVERED when its last part is. Duplicates change nothing.
   */
  private receiptNow(id: string, part: number | null, state: MessageState, errorCode: number, now: number): void {
    if (!FINAL_STATES.has(state)) return;
    if (part === null || state !== 'DELIVERED') {
      if (part !== null) this.stmt.partFinal!.run(state, id, part);
      this.finalizeNow(id, state, errorCode, now);
      return;
    }
    if (this.stmt.partFinal!.run(state, id, part).changes === 0) return; // a duplicate
    const { n: delivered } = this.stmt.partsDelivered!.get(id) as { n: number };
    const { parts } = this.stmt.partsOf!.get(id) as { parts: number };
    if (delivered === parts) this.finalizeNow(id, 'DELIVERED', errorCode, now);
  }

  /** Inside a batch: the final state, once, and the receipt the client asked for. */
  private finalizeNow(id: string, state: MessageState, errorCode: number, now: number): void {
    if (this.stmt.finalize!.run(state, errorCode, now, id).changes === 0) return; // final already
    const head = this.stmt.head!.get(id) as { account: string; registered_delivery: number; submitted_at: number };
    this.finals.push([id, state, head.account, now - head.submitted_at]);
    if (receiptWanted(head.registered_delivery, state)) this.stmt.clientReceipt!.run(id, head.account, state, errorCode, now);
    this.options.onFinal?.({ id, account: head.account, state, errorCode, doneAt: now });
  }
}
