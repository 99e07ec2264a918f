/**
 * What the gateway owes a client over SMPP (receipts, MO), store and forward. Each kind
 * keeps an outbox table (client_receipts, client_mo) and describes it as an OwedSource;
 * this module sends its rows as deliver_sm over the account's receiver and transceiver
 * binds and deletes a row only once a deliver_sm_resp with status 0 came back and the
 * delete is committed.
 *
 * Policy, per account (a "lane"):
 * - at-least-once: an error status, no response in time, or a closed session leaves the
 *   row on disk. The lane lets what is in flight settle, waits a backoff (doubling up to
 *   a maximum, reset by the next acknowledged row), then starts again from the oldest
 *   row it still owes. A client may therefore see a deliver_sm twice; receipts it matches
 *   by receipted_message_id.
 * - in order: rows are read in `seq` order, a small batch at a time, and sent in that
 *   order round-robin over the binds. After a retry, a row may arrive behind younger
 *   ones that were acknowledged meanwhile.
 * - bounded: at most windowSize × receivers deliver_sm outstanding per lane, at most one
 *   read batch held; a lane is forgotten once it has nothing in flight and no backoff.
 * - while an account has no receiver bind, its rows wait on disk; the listener's
 *   'receiverBound' event starts them flowing. The source's own event (a final state, an
 *   MO committed) wakes the lane of its account; a slow poll of every account owed
 *   something is the safety net.
 * - retention: rows older than `retentionMs` are dropped and counted (a client gone for
 *   longer than that never gets them).
 */
import { asGatewayError } from '../errors.js';
import type { Logger } from '../obs/logger.js';
import type { PduFields } from '../smpp/codec.js';
import type { SmppSession } from '../smpp/session.js';
import { STATUS } from '../smpp/status.js';
import type { ClientListener } from './client-listener.js';

/** Rows read at once per lane: enough to keep a window busy, little to hold. */
const READ_BATCH = 32;

/** One outbox row: its position in the account's order and when it was written. */
export interface OwedRow {
  seq: number;
  createdAt: number;
}

/** One kind of thing owed to clients, as the forwarder needs it. */
export interface OwedSource<Row extends OwedRow> {
  /** 'receipt' or 'MO', for logs. */
  readonly kind: string;
  /** Whether the account takes this kind over SMPP now (read at each pass). */
  wanted(account: string): boolean;
  accountsOwed(): string[];
  owed(account: string, afterSeq: number, limit: number): Row[];
  /**
   * The deliver_sm for a row, or several (sent in order, the row acknowledged by the last)
   * when this peer cannot take it in one.
   */
  fields(row: Row, peer: { hasTlvs: boolean }): PduFields | PduFields[];
  /** Deletes the row; resolves once committed. */
  delivered(row: Row): Promise<void>;
  /** Drops rows written before `before`; resolves with how many. */
  expire(before: number): Promise<number>;
  /** Calls `wake(account)` when rows may have been added; returns the unsubscribe. */
  subscribe(wake: (account: string) => void): () => void;
  /** What identifies a row in logs (an id, never a number or a body). */
  describe(row: Row): Record<string, string | number>;
}

export interface OwedForwarderOptions {
  listener: Pick<ClientListener, 'registry' | 'events'>;
  /** Outstanding requests per client bind (smpp.windowSize). */
  windowSize: number;
  /** Rows owed longer than this are dropped (accountDefaults.dlrRetentionMs). */
  retentionMs: number;
  logger: Logger;
  retry?: { baseMs: number; maxMs: number };
  /** Safety-net poll of every account owed something. */
  pollMs?: number;
  /** How often rows past retention are dropped. */
  sweepMs?: number;
}

export interface OwedCounters {
  /** Rows acknowledged with status 0 and deleted. */
  delivered: number;
  /** Sends that got an error status or no response (each is retried later). */
  failed: number;
  /** Rows dropped at retention, never delivered. */
  expired: number;
}

interface Lane<Row> {
  account: string;
  /** Highest seq sent in this pass: reads continue after it. */
  cursor: number;
  /** Rows read and not yet sent (at most READ_BATCH). */
  buffer: Row[];
  inFlight: number;
  /** A send failed: once the rest settles, back off and restart from the oldest owed row. */
  failed: boolean;
  backoffMs: number;
  timer: NodeJS.Timeout | undefined;
  waitingForRoom: boolean;
  /** Round-robin position over the receivers. */
  next: number;
}

export class OwedForwarder<Row extends OwedRow> {
  readonly counters: OwedCounters = { delivered: 0, failed: 0, expired: 0 };
  private readonly lanes = new Map<string, Lane<Row>>();
  /** Every send not yet settled (bounded by the lanes' capacities), for stop(). */
  private readonly pending = new Set<Promise<void>>();
  private readonly log: Logger;
  private readonly retry: { baseMs: number; maxMs: number };
  private poll: NodeJS.Timeout | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private stopped = false;

  private unsubscribe: (() => void) | undefined;
  private readonly onReceiverBound = (systemId: string) => this.wake(systemId);

  constructor(
    private readonly source: OwedSource<Row>,
    private readonly options: OwedForwarderOptions,
  ) {
    this.log = options.logger.child({ component: `${source.kind.toLowerCase()}-forwarder` });
    this.retry = options.retry ?? { baseMs: 1_000, maxMs: 60_000 };
  }

  start(): void {
    this.unsubscribe = this.source.subscribe((account) => {
      if (this.receivers(account).length > 0) this.wake(account);
    });
    this.options.listener.events.on('receiverBound', this.onReceiverBound);
    this.poll = setInterval(() => this.pollAll(), this.options.pollMs ?? 5_000);
    this.poll.unref();
    this.sweep = setInterval(() => this.expire(), this.options.sweepMs ?? 60_000);
    this.sweep.unref();
    this.expire();
    this.pollAll();
  }

  /** Sends nothing new; waits for the deliver_sm outstanding, at most `deadlineMs`. */
  async stop(deadlineMs = 5_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    this.options.listener.events.off('receiverBound', this.onReceiverBound);
    clearInterval(this.poll);
    clearInterval(this.sweep);
    for (const lane of this.lanes.values()) clearTimeout(lane.timer);
    let deadline: NodeJS.Timeout | undefined;
    const expired = new Promise<'deadline'>((resolve) => (deadline = setTimeout(() => resolve('deadline'), deadlineMs)));
    const outcome = await Promise.race([Promise.allSettled([...this.pending]).then(() => 'settled' as const), expired]);
    clearTimeout(deadline);
    // What did not settle stays owed on disk and goes out after the next start.
    if (outcome === 'deadline') this.log.warn(`${this.source.kind} deliveries still unanswered at stop; they stay owed`, { count: this.pending.size });
    this.lanes.clear();
  }

  /** Starts (or continues) sending what the account is owed. */
  wake(account: string): void {
    if (this.stopped) return;
    let lane = this.lanes.get(account);
    if (!lane) {
      lane = { account, cursor: 0, buffer: [], inFlight: 0, failed: false, backoffMs: this.retry.baseMs, timer: undefined, waitingForRoom: false, next: 0 };
      this.lanes.set(account, lane);
    }
    this.fill(lane);
  }

  private pollAll(): void {
    try {
      for (const account of this.source.accountsOwed()) {
        if (this.receivers(account).length > 0) this.wake(account);
      }
    } catch (err) {
      this.log.error(`reading the accounts owed a ${this.source.kind} failed`, { error: asGatewayError(err).message });
    }
  }

  private expire(): void {
    this.source.expire(Date.now() - this.options.retentionMs).then(
      (dropped) => {
        if (dropped === 0) return;
        this.counters.expired += dropped;
        this.log.warn(`${this.source.kind} rows owed past dlrRetentionMs were dropped undelivered`, { count: dropped });
      },
      (err: unknown) => this.log.warn(`dropping expired ${this.source.kind} rows failed; the next sweep tries again`, { error: asGatewayError(err).message }),
    );
  }

  /** Bound sessions of the account that may take a deliver_sm. */
  private receivers(account: string): SmppSession[] {
    return this.options.listener.registry.receivers(account).filter((s) => s.state === 'bound_rx' || s.state === 'bound_trx');
  }

  private fill(lane: Lane<Row>): void {
    try {
      this.fillNow(lane);
    } catch (err) {
      // A read or a decryption failed: back off like a failed send rather than spin.
      this.log.error(`preparing ${this.source.kind} rows failed`, { systemId: lane.account, error: asGatewayError(err).message });
      lane.failed = true;
      lane.buffer = [];
      if (lane.inFlight === 0) this.backOff(lane);
    }
  }

  private fillNow(lane: Lane<Row>): void {
    if (this.stopped || lane.timer || lane.waitingForRoom) return;
    if (lane.failed) {
      if (lane.inFlight === 0) this.backOff(lane); // else the last settlement comes back here
      return;
    }
    const receivers = this.source.wanted(lane.account) ? this.receivers(lane.account) : [];
    const capacity = this.options.windowSize * receivers.length;
    while (lane.inFlight < capacity) {
      if (lane.buffer.length === 0) lane.buffer = this.source.owed(lane.account, lane.cursor, READ_BATCH);
      if (lane.buffer.length === 0) break;
      const session = this.nextWithRoom(lane, receivers);
      if (!session) {
        // Windows full of other requests (enquire_link): wait for the first one to free.
        lane.waitingForRoom = true;
        void Promise.race(receivers.map((s) => s.whenWindowHasRoom())).then(() => {
          lane.waitingForRoom = false;
          this.fill(lane);
        });
        return;
      }
      this.send(lane, session, lane.buffer.shift()!);
    }
    if (lane.inFlight === 0) this.lanes.delete(lane.account); // nothing owed that can go now
  }

  private backOff(lane: Lane<Row>): void {
    lane.failed = false;
    lane.cursor = 0;
    lane.buffer = [];
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      this.fill(lane);
    }, lane.backoffMs);
    lane.timer.unref();
    lane.backoffMs = Math.min(lane.backoffMs * 2, this.retry.maxMs);
  }

  private nextWithRoom(lane: Lane<Row>, receivers: SmppSession[]): SmppSession | undefined {
    for (let i = 0; i < receivers.length; i++) {
      const session = receivers[(lane.next + i) % receivers.length]!;
      if (session.windowHasRoom) {
        lane.next = (lane.next + i + 1) % receivers.length;
        return session;
      }
    }
    return undefined;
  }

  private send(lane: Lane<Row>, session: SmppSession, row: Row): void {
    lane.cursor = row.seq;
    lane.inFlight++;
    const settled: Promise<void> = this.deliver(session, row)
      .then(
        (status) => {
          if (status === STATUS.ESME_ROK) {
            this.counters.delivered++;
            lane.backoffMs = this.retry.baseMs;
            return;
          }
          this.fail(lane, row, `status 0x${status.toString(16)}`);
        },
        (err: unknown) => this.fail(lane, row, asGatewayError(err).code),
      )
      .finally(() => {
        lane.inFlight--;
        this.pending.delete(settled);
        // A lane forgotten meanwhile (stop) is not refilled; its rows stay owed on disk.
        if (this.lanes.get(lane.account) === lane) this.fill(lane);
      });
    this.pending.add(settled);
  }

  /**
   * The row's deliver_sm (one, or several in turn: each waits for the one before, so a row
   * holds one window slot); the row is deleted (committed) before an acknowledgement counts.
   */
  private async deliver(session: SmppSession, row: Row): Promise<number> {
    for (const fields of [this.source.fields(row, { hasTlvs: session.peerHasTlvs })].flat()) {
      while (!session.windowHasRoom) await session.whenWindowHasRoom(); // a close frees the window too
      const resp = await session.request('deliver_sm', fields);
      if (resp.command_status !== STATUS.ESME_ROK) return resp.command_status;
    }
    await this.source.delivered(row);
    return STATUS.ESME_ROK;
  }

  private fail(lane: Lane<Row>, row: Row, why: string): void {
    this.counters.failed++;
    this.log.info(`${this.source.kind} not acknowledged; it is sent again after a backoff`, { systemId: lane.account, ...this.source.describe(row), why, backoffMs: lane.backoffMs });
    lane.failed = true;
    lane.buffer = [];
  }
}
