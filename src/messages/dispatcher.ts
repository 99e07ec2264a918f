/**
 * Dispatch policy: takes due messages from the store and sends each through the carriers
 * of its route.
 *
 * - Expired (past its validity) → EXPIRED, not sent.
 * - No route → UNDELIVERABLE with ESME_RINVDSTADR.
 * - The route's carriers are tried in order, skipping one with no live bind or whose
 *   circuit breaker is open. A carrier that accepts ends the pass (ENROUTE).
 * - A throttle status (0x58, 0x14) means "later, here": the carrier's pacer has slowed
 *   down, the message goes back to the queue for a short while, still on this route.
 * - A permanent status ends the message at once (REJECTED or UNDELIVERABLE) with no retry.
 * - A retryable status or a timeout counts against the carrier's breaker and moves on to
 *   the next carrier. A submit lost with its bind moves on too, but does not count: one
 *   dropped bind loses a whole window at once, and the bind pool already reconnects.
 *   Timeouts and lost submits have an unknown outcome: the carrier may have the message,
 *   so trying elsewhere can deliver it twice (at-least-once).
 * - When no carrier took it, it goes back to the queue with exponential backoff, until
 *   its validity ends.
 *
 * - A masked message (relayLeg) goes to its leg's real party from the leg's pool number.
 *   Any message from a pool number (masked, or from a leased number) goes through the
 *   number's hosting carrier alone (PRODUCT.md: MT from a pool number go out where it is
 *   hosted; another carrier would refuse or rewrite the sender); a hosting carrier missing
 *   from the configuration falls back to the route of the destination. A leg or contact that is gone (forgotten) ends it UNDELIVERABLE. The real
 *   number exists only in this pass's memory.
 *
 * Ordering: messages are taken oldest-due first, but up to `maxInFlight` are dispatched at
 * once, so two messages to the same number may reach the carrier in either order.
 * Bounded: at most `maxInFlight` messages are open in memory; the rest wait on disk.
 */
import type { Logger } from '../obs/logger.js';
import { smppDigits } from '../numbers/e164.js';
import { CircuitBreaker } from '../routing/circuit-breaker.js';
import { classifyStatus, finalStateFor } from '../routing/retry-policy.js';
import type { AttemptRecord, ClaimedMessage, MessageStore } from './message-store.js';
import type { CarrierPort } from './types.js';

/** ESME_RINVDSTADR: what a message with no route fails with (SMPP 3.4 §5.1.3). */
const NO_ROUTE_STATUS = 0x0b;
/** The error of a message whose later parts got no answer: ESME_RSYSERR, as for any unknown failure. */
const PARTIAL_STATUS = 0x08;

export interface RouteDecider {
  decide(input: { destinationAddr: string; destTon: number; account: string; sourceAddr: string; sourceTon: number; stickyKey?: string }): { route: string | null; carriers: string[] };
}

/** Where a masked message goes: its leg's pool number and real party (E.164). */
export interface RelayAddressing {
  /** undefined when the leg or its contact is gone. */
  resolve(legId: string): { from: string; to: string } | undefined;
}

const TON_INTERNATIONAL = 1;
const TON_ALPHANUMERIC = 5;
const NPI_E164 = 1;

export interface DispatcherOptions {
  store: MessageStore;
  carriers: CarrierPort;
  carrierNames: readonly string[];
  routes: RouteDecider;
  /** Masked messages' addresses; without it a masked message is undeliverable. */
  relays?: RelayAddressing;
  /** The configured carrier hosting a pool number (E.164), if the number is one of ours. */
  hostingCarrier?: (number: string) => string | undefined;
  /** The key a carrier's id is matched under when its receipt comes (carriers/receipt-parser). */
  carrierKey: (carrier: string, carrierMessageId: string) => string;
  logger: Logger;
  /** Messages open at once; size it to the carriers' total window. */
  maxInFlight: number;
  /** How long to wait before looking again when nothing is due or no carrier is up. */
  idlePollMs: number;
  retry: { baseMs: number; maxMs: number; throttleMs: number };
  breaker: { failureThreshold: number; openMs: number };
  now?: () => number;
}

export interface DispatchCounters {
  /** Submits a carrier accepted. */
  accepted: number;
  /** Passes that ended with the message back in the queue. */
  retried: number;
  /** Messages ended without a carrier receipt: permanent error, expiry, no route. */
  failed: number;
}

export class Dispatcher {
  readonly counters: DispatchCounters = { accepted: 0, retried: 0, failed: 0 };
  private inFlight = 0;
  private running = false;
  private pumpScheduled = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly settled = new Set<Promise<void>>();
  private readonly now: () => number;

  private readonly claimBatch: number;

  constructor(private readonly o: DispatcherOptions) {
    this.now = o.now ?? Date.now;
    this.claimBatch = Math.max(1, Math.floor(o.maxInFlight / 4));
    for (const name of o.carrierNames) this.breakers.set(name, new CircuitBreaker(o.breaker));
  }

  /** The most messages open at once: also the most a crash can send twice. */
  get maxInFlight(): number {
    return this.o.maxInFlight;
  }

  get dispatching(): number {
    return this.inFlight;
  }

  start(): void {
    this.running = true;
    this.wake();
  }

  /** Something may be due now (a message was accepted, a carrier came up). */
  wake(): void {
    if (!this.running || this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Stops taking messages and waits for those being dispatched to settle. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    while (this.settled.size > 0) await Promise.allSettled([...this.settled]);
  }

  breakerState(carrier: string): string {
    return this.breakers.get(carrier)?.state(this.now()) ?? 'unknown';
  }

  private pump(): void {
    if (!this.running) return;
    const room = this.o.maxInFlight - this.inFlight;
    // Claim in batches: a claim is a transaction, and with synchronous = FULL a commit is an
    // fsync, so topping up one slot at a time would cost an fsync per message.
    if (room <= 0 || (this.inFlight > 0 && room < this.claimBatch)) return; // settles wake us
    if (!this.o.carrierNames.some((c) => this.o.carriers.isAvailable(c))) return this.idle();
    const batch = this.o.store.claimDue(this.now(), room);
    if (batch.length === 0) return this.idle();
    for (const m of batch) this.track(m);
    if (batch.length === room) return; // full: the next settle wakes us
    this.idle();
  }

  private idle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.wake(), this.o.idlePollMs);
    this.idleTimer.unref();
  }

  private track(m: ClaimedMessage): void {
    this.inFlight++;
    const p = this.dispatch(m)
      .catch((err: unknown) => {
        // The store refused the outcome (disk full, closing): the message stays taken in
        // this process and goes back to the queue at the next start.
        this.o.logger.error('could not record a dispatch outcome', { mid: m.id, error: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => {
        this.inFlight--;
        this.settled.delete(p);
        this.wake();
      });
    this.settled.add(p);
  }

  private async dispatch(m: ClaimedMessage): Promise<void> {
    const now = this.now();
    if (now >= m.validUntil) {
      this.counters.failed++;
      return this.o.store.settle(m, [], { kind: 'final', state: 'EXPIRED', errorCode: 0 });
    }
    let c = m.content;
    if (m.relayLeg !== null) {
      const target = this.o.relays?.resolve(m.relayLeg);
      if (!target) {
        this.counters.failed++;
        return this.o.store.settle(m, [], { kind: 'final', state: 'UNDELIVERABLE', errorCode: NO_ROUTE_STATUS });
      }
      c = { ...c, sourceAddr: smppDigits(target.from), sourceTon: TON_INTERNATIONAL, sourceNpi: NPI_E164, destinationAddr: smppDigits(target.to), destTon: TON_INTERNATIONAL, destNpi: NPI_E164 };
    }
    // From one of our pool numbers (a mask's, a session's or a lease's): through its host.
    const hostedBy = c.sourceTon !== TON_ALPHANUMERIC && /^\+?\d+$/.test(c.sourceAddr) ? this.o.hostingCarrier?.(`+${smppDigits(c.sourceAddr)}`) : undefined;
    // The parts of one long message draw the same carrier (see RouteInput.stickyKey).
    const stickyKey = c.partOf && `${m.account}\n${c.sourceAddr}\n${c.destinationAddr}\n${c.partOf.reference}\n${c.partOf.total}`;
    const decision = hostedBy
      ? { route: 'hosting carrier', carriers: [hostedBy] }
      : this.o.routes.decide({ destinationAddr: c.destinationAddr, destTon: c.destTon, account: m.account, sourceAddr: c.sourceAddr, sourceTon: c.sourceTon, ...(stickyKey ? { stickyKey } : {}) });
    if (!decision.route) {
      this.counters.failed++;
      return this.o.store.settle(m, [], { kind: 'final', state: 'UNDELIVERABLE', errorCode: NO_ROUTE_STATUS });
    }

    const attempts: AttemptRecord[] = [];
    let lastStatus: number | null = null;
    for (const carrier of decision.carriers) {
      const breaker = this.breakers.get(carrier);
      if (!this.o.carriers.isAvailable(carrier) || (breaker && !breaker.allow(this.now()))) continue;
      const n = m.attempts + attempts.length + 1;
      const outcome = await this.o.carriers.submit(carrier, { id: m.id, content: c, registeredDelivery: m.registeredDelivery });
      switch (outcome.kind) {
        case 'unavailable':
          breaker?.release(); // a half-open probe that went nowhere gives its turn back
          continue;
        case 'accepted':
          breaker?.success(this.now());
          this.counters.accepted++;
          attempts.push({ n, carrier, bind: outcome.bind, outcome: 'accepted', status: 0, carrierMessageId: outcome.carrierMessageIds[0] });
          return this.o.store.settle(m, attempts, {
            kind: 'accepted',
            carrier,
            parts: outcome.carrierMessageIds.map((id) => ({ carrierMessageId: id, carrierKey: this.o.carrierKey(carrier, id) })),
          });
        case 'partial':
          // Some parts are at the carrier: neither a retry nor another carrier can undo that.
          breaker?.success(this.now());
          this.counters.failed++;
          attempts.push({ n, carrier, bind: outcome.bind, outcome: 'rejected', status: outcome.status });
          return this.o.store.settle(m, attempts, { kind: 'final', state: 'UNDELIVERABLE', errorCode: outcome.status ?? PARTIAL_STATUS });
        case 'rejected': {
          attempts.push({ n, carrier, bind: outcome.bind, outcome: 'rejected', status: outcome.status });
          lastStatus = outcome.status;
          const kind = classifyStatus(outcome.status);
          if (kind === 'throttle') {
            breaker?.success(this.now()); // alive, only busy
            this.counters.retried++;
            return this.o.store.settle(m, attempts, { kind: 'retry', nextAttemptAt: this.now() + this.o.retry.throttleMs, errorCode: outcome.status });
          }
          if (kind === 'permanent') {
            breaker?.success(this.now()); // it answered: the carrier works, the message does not
            this.counters.failed++;
            return this.o.store.settle(m, attempts, { kind: 'final', state: finalStateFor(outcome.status), errorCode: outcome.status });
          }
          breaker?.failure(this.now());
          continue;
        }
        case 'timeout':
          breaker?.failure(this.now());
          attempts.push({ n, carrier, bind: outcome.bind, outcome: 'timeout', status: null });
          continue;
        case 'lost':
          // One dropped bind loses its whole window at once: that is one event, which the bind
          // pool handles by reconnecting, not a window's worth of failures to open the breaker.
          breaker?.release();
          attempts.push({ n, carrier, bind: outcome.bind, outcome: 'lost', status: null });
          continue;
      }
    }
    this.counters.retried++;
    return this.o.store.settle(m, attempts, { kind: 'retry', nextAttemptAt: this.now() + this.backoff(m.attempts + attempts.length), errorCode: lastStatus });
  }

  private backoff(attemptsSoFar: number): number {
    const { baseMs, maxMs } = this.o.retry;
    return Math.min(maxMs, baseMs * 2 ** Math.min(attemptsSoFar, 16));
  }
}

