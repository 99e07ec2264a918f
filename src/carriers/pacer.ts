/**
 * The throughput control of one carrier, shared by all its binds. Policy:
 *
 * - Smooth. A token bucket refills continuously at the current rate and holds at most
 *   BURST_MS worth of tokens (never less than one), so messages leave about 1000/rate ms
 *   apart and never as a burst at a second boundary: carriers count in sliding windows.
 * - AIMD. A throttle answer (0x58 ESME_RTHROTTLED, 0x14 ESME_RMSGQFUL) halves the rate, once
 *   per congestion episode: an answer to a submit sent before the last cut reflects the old
 *   rate and cuts nothing (TCP's one cut per window), otherwise one full window of 0x58
 *   would drive the rate to the floor at once. The rate then grows back by RECOVERY_SHARE of
 *   the configured rate per second without a cut, up to the configured rate.
 * - Floor. FLOOR_SHARE of the configured rate, but at least 1 msg/s (or the configured rate
 *   when that is lower): the rate never reaches zero, so a carrier that throttles
 *   everything still sees a trickle, and each 0x58 costs a retry, not a stall.
 *
 * Why a token pacer rather than p-queue's `interval`/`intervalCap`: those are fixed when the
 * queue is made, and a cap per 1000 ms interval lets the whole second's quota out at once;
 * AIMD needs a rate that changes and spacing within the second. The carrier's p-queue (one
 * lane per carrier, carrier-link.ts) orders the submits; this class spaces them.
 *
 * The rate logic is the pure PaceControl (time passed in, tested with plain numbers); Pacer
 * adds the timer and the FIFO of waiters. Waiters are bounded by the caller: the carrier's
 * lane runs one departure at a time, so at most one acquire waits per carrier.
 */

/** Largest burst, in milliseconds of the current rate: a few tens of ms, never a second. */
export const BURST_MS = 20;
/** Recovery per second without a cut, as a share of the configured rate. */
export const RECOVERY_SHARE = 0.05;
/** Lowest rate, as a share of the configured rate (but at least 1 msg/s). */
export const FLOOR_SHARE = 0.05;

export class PaceControl {
  readonly floorRate: number;
  private tokens: number;
  private refilledAt: number;
  /** The rate right after the last cut, and when it was made (undefined: never cut). */
  private cutRate: number;
  private cutAt: number | undefined;

  constructor(
    readonly configuredRate: number,
    now: number,
  ) {
    this.floorRate = Math.max(configuredRate * FLOOR_SHARE, Math.min(1, configuredRate));
    this.cutRate = configuredRate;
    this.tokens = capacity(configuredRate);
    this.refilledAt = now;
  }

  /** The rate in effect at `now`: the last cut plus linear recovery, capped at the configured rate. */
  rateAt(now: number): number {
    if (this.cutAt === undefined) return this.configuredRate;
    const recovered = this.cutRate + (this.configuredRate * RECOVERY_SHARE * Math.max(0, now - this.cutAt)) / 1000;
    return Math.min(this.configuredRate, recovered);
  }

  /**
   * A throttle answer to a submit sent at `sentAt`: halves the rate (not below the floor)
   * unless that submit left before the last cut. True if the rate was cut.
   */
  slowDown(now: number, sentAt: number = now): boolean {
    if (this.cutAt !== undefined && sentAt < this.cutAt) return false;
    this.refill(now);
    this.cutRate = Math.max(this.floorRate, this.rateAt(now) / 2);
    this.cutAt = now;
    this.tokens = Math.min(this.tokens, capacity(this.cutRate));
    return true;
  }

  /** Takes a token: 0 when one was there, else the milliseconds until one is due (ask again then). */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.rateAt(now)) * 1000);
  }

  private refill(now: number): void {
    const rate = this.rateAt(now);
    const elapsedMs = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(capacity(rate), this.tokens + (elapsedMs * rate) / 1000);
    this.refilledAt = now;
  }
}

function capacity(rate: number): number {
  return Math.max(1, (rate * BURST_MS) / 1000);
}

export class Pacer {
  private readonly control: PaceControl;
  private readonly waiters: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(configuredRate: number) {
    this.control = new PaceControl(configuredRate, Date.now());
  }

  get configuredRate(): number {
    return this.control.configuredRate;
  }

  get currentRate(): number {
    return this.control.rateAt(Date.now());
  }

  /** Resolves when this caller may send one message; callers are served in call order. */
  acquire(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      if (!this.timer) this.serve();
    });
  }

  /** See PaceControl.slowDown; `sentAt` is when the throttled submit left. */
  slowDown(sentAt?: number): boolean {
    return this.control.slowDown(Date.now(), sentAt);
  }

  private serve(): void {
    this.timer = undefined;
    while (this.waiters.length > 0) {
      const waitMs = this.control.take(Date.now());
      if (waitMs > 0) {
        this.timer = setTimeout(() => this.serve(), waitMs);
        // A pending token must not keep a process alive on its own; sockets do that.
        this.timer.unref();
        return;
      }
      this.waiters.shift()!();
    }
  }
}
