/**
 * A token bucket refilled continuously, holding at most one second of tokens: the way a
 * carrier enforces msg/s without a burst at each second boundary.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSec: number,
    now = Date.now(),
  ) {
    this.tokens = ratePerSec;
    this.last = now;
  }

  take(now: number): boolean {
    this.tokens = Math.min(this.ratePerSec, this.tokens + ((now - this.last) / 1000) * this.ratePerSec);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
