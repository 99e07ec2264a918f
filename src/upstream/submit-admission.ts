/**
 * Whether an account may submit one more message now, whichever transport brings it (SMPP
 * submit_sm, or the HTTP API): its throughput (THROTTLED, 0x58 / HTTP 429), then its queue
 * of messages not final yet (QUEUE_FULL, 0x14 / HTTP 429). An admitted message holds a queue
 * slot until the store settles it: `accepted` keeps the slot for the stored message (freed
 * at its final state), `failed` frees it. Every outcome is tallied per account for /metrics.
 */
import type { RateLimiter } from '../accounts/rate-limiter.js';
import type { SubmitOutcomeName, SubmitTally } from '../accounts/submit-tally.js';
import type { Account } from '../accounts/types.js';
import type { QueueTracker } from './queue-tracker.js';

export class SubmitAdmission {
  constructor(private readonly o: { limiter: RateLimiter; queue: QueueTracker; tally: SubmitTally; now: () => number }) {}

  /** Takes a throughput token and a queue slot, or names the limit reached (tallied). */
  admit(account: Pick<Account, 'systemId' | 'throughputMsgPerSec' | 'maxQueued'>): 'THROTTLED' | 'QUEUE_FULL' | undefined {
    let refusal: 'THROTTLED' | 'QUEUE_FULL' | undefined;
    if (!this.o.limiter.take(account.systemId, account.throughputMsgPerSec, this.o.now())) refusal = 'THROTTLED';
    else if (!this.o.queue.tryReserve(account.systemId, account.maxQueued)) refusal = 'QUEUE_FULL';
    if (refusal) this.o.tally.record(account.systemId, refusal);
    return refusal;
  }

  /** An admitted message was stored under `id`: its slot is now that message's. */
  accepted(id: string, account: string): void {
    this.o.queue.accepted(id, account);
    this.o.tally.record(account, 'accepted');
  }

  /** An admitted message was not stored: its slot is freed. */
  failed(account: string, outcome: SubmitOutcomeName): void {
    this.o.queue.release(account);
    this.o.tally.record(account, outcome);
  }

  /** A submit refused before admission (bad addresses, lengths): tallied only. */
  refused(account: string, outcome: SubmitOutcomeName): void {
    this.o.tally.record(account, outcome);
  }

  /** Messages of the account not final yet, as counted here. */
  queued(account: string): number {
    return this.o.queue.count(account);
  }

  /** Every account with messages not final yet (for /metrics). */
  queuedEntries(): { account: string; n: number }[] {
    return this.o.queue.entries();
  }
}
