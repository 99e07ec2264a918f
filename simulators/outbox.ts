/**
 * What the simulated SMSC owes one account (DLRs and MO), held while the account has no
 * receiver bind and spread over its receiver binds when it has, within each bind's window.
 * Like a real SMSC it retries a deliver_sm that got an error or no response, a few times,
 * then drops it and counts it. Bounded: beyond `capacity` the oldest item is dropped.
 */
import type { PduFields } from '../src/smpp/codec.js';
import type { SmppSession } from '../src/smpp/session.js';
import { STATUS } from '../src/smpp/status.js';

import type { SimulatorCounters } from './counters.js';

type OutboxCounters = Pick<SimulatorCounters, 'deliverDropped' | 'deliverRetried'>;

interface Item {
  fields: PduFields;
  attempts: number;
  onDelivered?: (() => void) | undefined;
}

const MAX_ATTEMPTS = 5;

export class Outbox {
  private items: Item[] = [];
  private head = 0;
  private waiting = false;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private next = 0;
  readonly receivers: SmppSession[] = [];

  constructor(
    private readonly capacity: number,
    private readonly counters: OutboxCounters,
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  push(fields: PduFields, onDelivered?: () => void): void {
    if (this.size >= this.capacity) {
      this.head++;
      this.counters.deliverDropped++;
    }
    this.items.push({ fields, attempts: 0, onDelivered });
    this.pump();
  }

  addReceiver(session: SmppSession): void {
    this.receivers.push(session);
    session.once('close', () => {
      const i = this.receivers.indexOf(session);
      if (i >= 0) this.receivers.splice(i, 1);
    });
    this.pump();
  }

  /** Forgets everything owed and stops pending retries (the simulator is closing). */
  clear(): void {
    this.items = [];
    this.head = 0;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
  }

  private pickReceiver(): SmppSession | undefined {
    for (let i = 0; i < this.receivers.length; i++) {
      const s = this.receivers[(this.next + i) % this.receivers.length]!;
      if (s.windowHasRoom && !s.closed) {
        this.next = (this.next + i + 1) % this.receivers.length;
        return s;
      }
    }
    return undefined;
  }

  private pump(): void {
    while (this.size > 0) {
      const session = this.pickReceiver();
      if (!session) {
        this.waitForRoom();
        return;
      }
      const item = this.items[this.head++]!;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
      item.attempts++;
      session.request('deliver_sm', item.fields).then(
        (resp) => (resp.command_status === STATUS.ESME_ROK ? this.done(item) : this.retry(item)),
        () => this.retry(item),
      );
    }
  }

  private waitForRoom(): void {
    const first = this.receivers[0];
    if (!first || this.waiting) return;
    this.waiting = true;
    first.whenWindowHasRoom().then(() => {
      this.waiting = false;
      this.pump();
    });
  }

  private done(item: Item): void {
    item.onDelivered?.();
    this.pump();
  }

  private retry(item: Item): void {
    if (item.attempts >= MAX_ATTEMPTS) {
      this.counters.deliverDropped++;
      this.pump();
      return;
    }
    this.counters.deliverRetried++;
    // Back off like an SMSC would, so a client answering errors is not flooded.
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.items.push(item);
      this.pump();
    }, 100 * 2 ** item.attempts);
    timer.unref();
    this.retryTimers.add(timer);
  }
}
