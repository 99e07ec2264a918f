/**
 * Ends leases, masks and proxy sessions whose TTL passed. Their state is in the routing
 * store, so a restart loses nothing: the first sweep runs at start and ends whatever expired
 * while the daemon was down. Lookups already ignore expired holders (leases.ts, relays.ts),
 * so the sweep is what frees the number (cooldown, rotation) and records the end.
 *
 * A holder ended later than one sweep interval after its TTL is a TTL violation, counted
 * (and, after a stop, expected: the time the daemon was down counts).
 *
 * `onEnded` hears of every holder the sweep ended, inside the transaction that ends it:
 * what it writes (expiry webhooks, the audit trail) commits with the end or not at all, so
 * a crash neither loses an expiry event nor announces one that did not happen.
 */
import type { Logger } from '../obs/logger.js';
import type { Lease, LeaseBook } from './leases.js';
import type { EndedRelays, RelayBook } from './relays.js';

/** What one transaction of the sweep ended: leases, or masks and sessions. */
export interface EndedHolders extends EndedRelays {
  leases: Lease[];
}

export interface SweepCounters {
  leasesEnded: number;
  legsEnded: number;
  /** Leases and legs ended more than one sweep interval after their TTL. */
  ttlViolations: number;
}

export class NumberSweeper {
  readonly counters: SweepCounters = { leasesEnded: 0, legsEnded: 0, ttlViolations: 0 };
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly o: {
      leases: Pick<LeaseBook, 'endExpired'>;
      relays: Pick<RelayBook, 'endExpired'>;
      intervalMs: number;
      logger: Logger;
      /** Called inside the transaction that ended them; a throw rolls the ends back (the next pass retries). */
      onEnded?: (ended: EndedHolders) => void;
    },
  ) {}

  start(): void {
    this.sweep();
    this.#timer = setInterval(() => this.sweep(), this.o.intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** One pass; batches until nothing due is left. Never throws: the next pass retries. */
  sweep(): void {
    try {
      for (;;) {
        const onEnded = this.o.onEnded;
        const ended = this.o.leases.endExpired(500, onEnded && ((leases) => onEnded({ leases, masks: [], sessions: [] })));
        this.counters.leasesEnded += ended.length;
        this.counters.ttlViolations += ended.filter((e) => e.lateMs > this.o.intervalMs).length;
        const legs = this.o.relays.endExpired(500, this.o.intervalMs, onEnded && ((relays) => onEnded({ leases: [], ...relays })));
        this.counters.legsEnded += legs.legs;
        this.counters.ttlViolations += legs.late;
        if (ended.length === 0 && legs.legs === 0) return;
      }
    } catch (err) {
      this.o.logger.warn('ending expired leases, masks and sessions failed; the next sweep tries again', { error: err instanceof Error ? err.message : String(err) });
    }
  }
}
