/**
 * Rates by key: per-account throughput (the client side; a key per account) and the MO rate
 * of a pool number (numbers/abuse-guard.ts; a key per number).
 *
 * Per-account throughput: one token bucket per account, shared by all its binds, refilled
 * continuously and holding at most one second of tokens, so a client gets its msg/s without
 * a burst at each second boundary. A submit without a token is answered ESME_RTHROTTLED
 * (0x58) at once rather than queued: the client's own window is what should slow down.
 *
 * One bucket per account that ever bound in this process: bounded by the number of accounts,
 * not by traffic. A changed rate (the CLI edits the account) takes effect on the next take.
 */
interface Bucket {
  ratePerSec: number;
  tokens: number;
  last: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  /** Takes one token from the key's bucket; false when it is empty (over its rate). */
  take(key: string, ratePerSec: number, now: number): boolean {
    // At least one token fits, so a rate under 1 msg/s still lets a message through now and then.
    const capacity = Math.max(1, ratePerSec);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { ratePerSec, tokens: capacity, last: now };
      this.buckets.set(key, bucket);
    }
    bucket.ratePerSec = ratePerSec;
    bucket.tokens = Math.min(capacity, bucket.tokens + (Math.max(0, now - bucket.last) / 1000) * ratePerSec);
    bucket.last = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
