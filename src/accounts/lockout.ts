/**
 * Lockout after repeated failed binds, per remote address.
 *
 * Policy: `maxFailures` failed binds (unknown system_id or wrong password) from one address
 * within `windowMs` of its first counted failure lock that address for `lockMs` (defaults: 5
 * failures in 60 s lock it for 5 minutes). While locked, every bind from it is refused
 * before its credentials are checked, so guessing stops costing us scrypt runs and stops
 * yielding answers; those refusals do not extend the lock. A successful bind clears the
 * address's count. The window is fixed, not sliding: a failure after the window has passed
 * starts a new count.
 *
 * Memory is bounded: an entry is dropped once its window and its lock have both passed, and
 * the table holds at most `maxEntries` addresses; beyond that the least recently failing one
 * is evicted (a flood from many addresses can thus end one lock early, but never grow memory).
 *
 * Pure: the caller passes the time in.
 */

export interface BindLockoutOptions {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
  maxEntries?: number;
}

export const DEFAULT_LOCKOUT: Required<BindLockoutOptions> = { maxFailures: 5, windowMs: 60_000, lockMs: 300_000, maxEntries: 10_000 };

interface Entry {
  windowStart: number;
  failures: number;
  lockedUntil: number;
}

export class BindLockout {
  readonly #opts: Required<BindLockoutOptions>;
  // Insertion order is recency of the last failure: failure() re-inserts.
  readonly #entries = new Map<string, Entry>();

  constructor(opts: BindLockoutOptions) {
    this.#opts = { maxEntries: DEFAULT_LOCKOUT.maxEntries, ...opts };
  }

  /** Addresses tracked right now; for tests of the memory bound. */
  get size(): number {
    return this.#entries.size;
  }

  locked(address: string, now: number): boolean {
    const entry = this.#entries.get(address);
    if (entry === undefined) return false;
    if (this.#expired(entry, now)) {
      this.#entries.delete(address);
      return false;
    }
    return entry.lockedUntil > now;
  }

  /** Counts a failed bind; true when this failure locked the address (once per lock). */
  failure(address: string, now: number): boolean {
    let entry = this.#entries.get(address);
    this.#entries.delete(address);
    if (entry === undefined || now - entry.windowStart >= this.#opts.windowMs) {
      entry = { windowStart: now, failures: 0, lockedUntil: entry?.lockedUntil ?? 0 };
    }
    entry.failures += 1;
    const locks = entry.failures >= this.#opts.maxFailures;
    if (locks) {
      entry.lockedUntil = now + this.#opts.lockMs;
      entry.failures = 0;
    }
    this.#makeRoom(now);
    this.#entries.set(address, entry);
    return locks;
  }

  success(address: string): void {
    this.#entries.delete(address);
  }

  #expired(entry: Entry, now: number): boolean {
    return entry.lockedUntil <= now && now - entry.windowStart >= this.#opts.windowMs;
  }

  #makeRoom(now: number): void {
    // The oldest entries come first, so expired ones are found there; stop at a live one.
    for (const [address, entry] of this.#entries) {
      if (!this.#expired(entry, now) && this.#entries.size < this.#opts.maxEntries) return;
      this.#entries.delete(address);
    }
  }
}
