/**
 * Abuse controls on pool numbers (PRODUCT.md, Operations), applied to MO before they are
 * routed (numbers/mo-router.ts):
 * - a per-number MO rate (numbers.abuse.moPerNumberPerSecond): over it the carrier is answered
 *   0x58 and retries later, so a flood costs the flooder's carrier, not our store;
 * - auto-quarantine: a number hearing from more than distinctSenders.max different senders
 *   within distinctSenders.windowMs is quarantined (numbers/number-pool.ts), which refuses
 *   its MO and keeps it from new holders until an operator releases it;
 * - the watchlist: a watched sender's MO are held for review (messages/held-mo.ts), not
 *   delivered; senders are kept by blind index, never by number.
 *
 * The sender sets live in memory only, keyed by blind index, and are bounded: a number's set
 * is pruned to the window whenever it grows past the threshold, and dropped once it trips.
 * A restart forgets them, which at worst delays a quarantine by one window.
 */
import type { Config } from '../config/schema.js';
import { RateLimiter } from '../accounts/rate-limiter.js';

export type AbusePolicy = Config['numbers']['abuse'];

export interface AbuseCounters {
  /** MO refused with 0x58: their number was over its rate. */
  throttled: number;
  /** Numbers quarantined for too many distinct senders. */
  quarantined: number;
  /** MO held because their sender is on the watchlist. */
  held: number;
}

export class AbuseGuard {
  readonly counters: AbuseCounters = { throttled: 0, quarantined: 0, held: 0 };
  readonly #rates = new RateLimiter();
  readonly #senders = new Map<string, Map<string, number>>();

  constructor(private readonly policy: AbusePolicy) {}

  /** Whether an MO to this pool number is within its rate now; counts the refusals. */
  admit(number: string, now: number): boolean {
    if (this.#rates.take(number, this.policy.moPerNumberPerSecond, now)) return true;
    this.counters.throttled++;
    return false;
  }

  /**
   * Notes who wrote to the number; true when this sender takes it past the distinct-senders
   * threshold (the caller quarantines it). `sender` is a blind index or another opaque key.
   */
  tripsQuarantine(number: string, sender: string, now: number): boolean {
    const { max, windowMs } = this.policy.distinctSenders;
    let seen = this.#senders.get(number);
    if (!seen) this.#senders.set(number, (seen = new Map()));
    seen.set(sender, now);
    if (seen.size <= max) return false;
    for (const [key, at] of seen) if (at <= now - windowMs) seen.delete(key);
    if (seen.size <= max) return false;
    this.#senders.delete(number);
    this.counters.quarantined++;
    return true;
  }
}
