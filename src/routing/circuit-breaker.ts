/**
 * A circuit breaker per carrier: stop sending to a carrier that keeps failing, so its
 * messages fail over at once instead of each waiting out a timeout there.
 *
 * Policy:
 * - closed: everything goes through. `failureThreshold` consecutive failures open it; any
 *   success resets the count.
 * - open: nothing goes through for `openMs`. Results still arriving for requests sent
 *   before it opened change nothing: the open period is what spares a failing carrier, and
 *   the probe decides when it ends.
 * - half_open (once `openMs` has passed): exactly one request, the probe, goes through; the
 *   others are refused while it is out. A success closes the breaker; a failure opens it
 *   for another `openMs`. Any result reported in this state counts as the probe's, even a
 *   late answer to an older request: it is news of how the carrier does now.
 * - A probe that was allowed but never sent gives its turn back with `release()`. One that
 *   never reports (a caller's bug) does not wedge the breaker: after another `openMs` the
 *   next probe may go.
 *
 * Time is passed in (STYLE.md §6): the breaker holds no timer and reads no clock.
 */

export type BreakerState = 'closed' | 'open' | 'half_open';

export class CircuitBreaker {
  private readonly failureThreshold: number;
  private readonly openMs: number;
  private failures = 0;
  /** When it last opened; null while closed. */
  private openedAt: number | null = null;
  /** When the half-open probe went out; null when none is out. */
  private probeSince: number | null = null;

  constructor(opts: { failureThreshold: number; openMs: number }) {
    this.failureThreshold = opts.failureThreshold;
    this.openMs = opts.openMs;
  }

  state(now: number): BreakerState {
    if (this.openedAt === null) return 'closed';
    return now - this.openedAt >= this.openMs ? 'half_open' : 'open';
  }

  /** Whether a request may go now. In half_open this takes the one probe's turn. */
  allow(now: number): boolean {
    switch (this.state(now)) {
      case 'closed':
        return true;
      case 'open':
        return false;
      case 'half_open':
        if (this.probeSince !== null && now - this.probeSince < this.openMs) return false;
        this.probeSince = now;
        return true;
    }
  }

  /** The request `allow` let through was not sent after all: the next one may probe. */
  release(): void {
    this.probeSince = null;
  }

  success(now: number): void {
    if (this.state(now) === 'open') return;
    this.failures = 0;
    this.openedAt = null;
    this.probeSince = null;
  }

  failure(now: number): void {
    switch (this.state(now)) {
      case 'closed':
        this.failures++;
        if (this.failures >= this.failureThreshold) this.open(now);
        return;
      case 'open':
        return;
      case 'half_open':
        this.open(now);
        return;
    }
  }

  private open(now: number): void {
    this.openedAt = now;
    this.probeSince = null;
    this.failures = 0;
  }
}
