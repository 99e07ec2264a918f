/**
 * The window of requests we have sent on one session and await a response for
 * (cloudhopper's Window). Bounded: a full window refuses, it never queues, so whoever sends
 * waits for room and memory stays bounded. Every request expires after responseTimeoutMs;
 * node-smpp kept callbacks forever.
 *
 * All entries share one timeout, so insertion order is deadline order and one timer armed
 * at the oldest deadline serves the whole window.
 */
import { GatewayError } from '../errors.js';
import type { Pdu } from './codec.js';

interface Pending {
  request: Pdu;
  deadline: number;
  resolve: (resp: Pdu) => void;
  reject: (err: GatewayError) => void;
}

export class RequestWindow {
  private readonly pending = new Map<number, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private roomWaiters: (() => void)[] = [];

  constructor(
    readonly capacity: number,
    private readonly responseTimeoutMs: number,
    private readonly onExpired: (request: Pdu) => void,
  ) {}

  get inUse(): number {
    return this.pending.size;
  }

  get hasRoom(): boolean {
    return this.pending.size < this.capacity;
  }

  /** Resolves when at least one slot is free (at once if one is). */
  whenRoom(): Promise<void> {
    if (this.hasRoom) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /** Registers a sent request; the promise settles with its response, a timeout or close. */
  add(request: Pdu, now = Date.now()): Promise<Pdu> {
    if (!this.hasRoom) {
      return Promise.reject(new GatewayError('WINDOW_FULL', `window of ${this.capacity} outstanding requests is full; wait for room before sending`));
    }
    return new Promise<Pdu>((resolve, reject) => {
      this.pending.set(request.sequence_number, { request, deadline: now + this.responseTimeoutMs, resolve, reject });
      if (!this.timer) this.arm(now);
    });
  }

  /** Settles the request a response answers; false if none waits for it (late or unknown). */
  settle(response: Pdu): boolean {
    const entry = this.pending.get(response.sequence_number);
    if (!entry) return false;
    this.pending.delete(response.sequence_number);
    entry.resolve(response);
    this.freed();
    return true;
  }

  /** Rejects everything outstanding and returns the requests whose outcome is now unknown. */
  drainAll(reason: GatewayError): Pdu[] {
    this.clearTimer();
    const lost: Pdu[] = [];
    for (const entry of this.pending.values()) {
      lost.push(entry.request);
      entry.reject(reason);
    }
    this.pending.clear();
    // Wake waiters so they see the session closed instead of waiting forever.
    this.freed();
    return lost;
  }

  private freed(): void {
    while (this.hasRoom && this.roomWaiters.length > 0) this.roomWaiters.shift()!();
  }

  private arm(now: number): void {
    const oldest = this.pending.values().next();
    if (oldest.done) return;
    this.timer = setTimeout(() => this.expire(Date.now()), Math.max(0, oldest.value.deadline - now));
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private expire(now: number): void {
    this.timer = undefined;
    for (const [seq, entry] of this.pending) {
      if (entry.deadline > now) break;
      this.pending.delete(seq);
      entry.reject(
        new GatewayError('RESPONSE_TIMEOUT', `no ${entry.request.command}_resp within ${this.responseTimeoutMs} ms (sequence ${seq})`),
      );
      this.onExpired(entry.request);
    }
    this.freed();
    this.arm(now);
  }
}
