/**
 * The last few things that went wrong, for `maskgate status`: a bind refused, a carrier bind
 * lost, a carrier answering with an error, a message ending undelivered, a submit refused.
 * Each event names a kind, a code and the carrier or account, never a number or a text.
 *
 * Bounded: a ring of `capacity` events. A run of the same event (same kind, code, carrier and
 * account) is one entry with a count and the time of the latest, so a storm of one error
 * shows as one line rather than pushing every other error out.
 */

export interface ErrorEvent {
  /** e.g. carrier.bind, carrier.status, carrier.timeout, message.final, submit.refused, bind.refused */
  kind: string;
  /** The status name, state or reason code. */
  code: string;
  carrier?: string;
  account?: string;
}

export interface RecentError extends ErrorEvent {
  /** Epoch ms of the latest occurrence. */
  at: number;
  /** Occurrences in this run. */
  count: number;
}

export const RECENT_ERRORS_CAPACITY = 20;

export class RecentErrors {
  readonly #capacity: number;
  readonly #now: () => number;
  /** Oldest first. */
  readonly #ring: RecentError[] = [];

  constructor(capacity = RECENT_ERRORS_CAPACITY, now: () => number = Date.now) {
    this.#capacity = capacity;
    this.#now = now;
  }

  note(event: ErrorEvent, count = 1): void {
    if (count <= 0) return;
    const at = this.#now();
    const last = this.#ring.at(-1);
    if (last && last.kind === event.kind && last.code === event.code && last.carrier === event.carrier && last.account === event.account) {
      last.count += count;
      last.at = at;
      return;
    }
    this.#ring.push({ kind: event.kind, code: event.code, ...(event.carrier !== undefined ? { carrier: event.carrier } : {}), ...(event.account !== undefined ? { account: event.account } : {}), at, count });
    if (this.#ring.length > this.#capacity) this.#ring.shift();
  }

  /** Newest first. */
  list(): RecentError[] {
    return this.#ring.map((e) => ({ ...e })).reverse();
  }
}
