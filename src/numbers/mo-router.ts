/**
 * Who an MO from a carrier is for: the numbers' side of carriers/deliver-intake.ts.
 *
 * Order, for an MO to number D from sender S:
 * 1. D is a pool number (its E.164 form is in `numbers`):
 *    a. quarantined or retired → refused;
 *    b. leased now → the lessee, as it came (a temporary number hides nobody: the lessee
 *       sees who wrote), and the lease counts it toward its cap;
 *    c. S has an active leg on D (masks and sessions, matched by S's blind index) →
 *       a mask's account, from the mask's alias; or, for a session, the other party, from
 *       the other leg's number. The content is rewritten HERE, before anything is stored,
 *       so the routing store never holds S's number, not even sealed;
 *    d. otherwise (cooling, free, or a stranger writing to a mask's number) → refused.
 * 2. Otherwise the account owning D by its MO prefixes, or refused.
 *
 * Before 1b, abuse controls (abuse-guard.ts): a number over its MO rate answers 0x58. A
 * number tripping the distinct-senders threshold is quarantined and refuses; the senders
 * counted are everyone writing to a leased number and strangers writing to any other (the
 * parties of masks and sessions are expected, however many share one number). After routing, a
 * sender on the watchlist has its MO held (`hold`), already rewritten, for an operator.
 *
 * Refused MO are answered ESME_RINVDSTADR (permanent): the carrier stops retrying a number
 * nobody may receive on. Cooling numbers refuse too, which is the point of the cooldown: the
 * last holder's correspondents learn the number is gone, and the next holder hears nothing.
 */
import type { MessageContent } from '../messages/types.js';
import type { Database, Statement } from 'better-sqlite3';
import { e164FromAddress, smppDigits } from './e164.js';
import type { Lease, LeaseBook } from './leases.js';
import type { RelayBook, RelayLeg } from './relays.js';
import type { AbuseGuard } from './abuse-guard.js';

export type MoRefusal = 'unowned' | 'quarantined' | 'retired' | 'cooling' | 'no-holder' | 'unknown-sender';

export type MoDelivery =
  /** An account's MO (moPrefixes): as it came. */
  | { kind: 'account'; account: string; content: MessageContent }
  /** To a leased number: as it came; `lease` counts it once committed. */
  | { kind: 'lease'; account: string; lease: Lease; content: MessageContent }
  /** A masked party's reply, to the mask's account from the alias. */
  | { kind: 'mask'; account: string; leg: RelayLeg; content: MessageContent }
  /** A session party's message, to be relayed to the other leg's party. */
  | { kind: 'session'; account: string; leg: RelayLeg; peer: RelayLeg; content: MessageContent };

/** A delivery may be held for review (`hold`: why) instead of delivered. */
export type MoRoute = (MoDelivery & { hold?: 'watchlist' }) | { kind: 'refused'; why: MoRefusal } | { kind: 'throttled' };

const TON_UNKNOWN = 0;
const NPI_UNKNOWN = 0;
const TON_INTERNATIONAL = 1;
const NPI_E164 = 1;

interface PoolRow {
  state: string;
  country: string;
  cooling_until: number | null;
}

export class MoRouter {
  readonly #pool: Statement<[string], PoolRow>;
  readonly #watched: Statement<[string], number>;

  constructor(
    private readonly o: {
      db: Database;
      leases: LeaseBook;
      relays: RelayBook;
      /** The account owning a number by its MO prefixes. */
      prefixOwner: (destination: string) => string | undefined;
      guard: AbuseGuard;
      /** Takes a pool number out of use (auto-quarantine). */
      quarantine: (number: string) => void;
      now?: () => number;
    },
  ) {
    this.#pool = o.db.prepare('SELECT state, country, cooling_until FROM numbers WHERE e164 = ?');
    this.#watched = o.db.prepare<[string], number>('SELECT 1 FROM watchlist WHERE party_index = ?').pluck();
  }

  route(content: MessageContent): MoRoute {
    const now = (this.o.now ?? Date.now)();
    const digits = smppDigits(content.destinationAddr);
    const number = /^\d{1,15}$/.test(digits) ? `+${digits}` : undefined;
    const pool = number === undefined ? undefined : this.#pool.get(number);
    if (number === undefined || pool === undefined) {
      const account = this.o.prefixOwner(content.destinationAddr);
      if (account === undefined) return { kind: 'refused', why: 'unowned' };
      return this.#watch({ kind: 'account', account, content }, this.#senderIndex(content, null));
    }
    if (pool.state === 'quarantined' || pool.state === 'retired') return { kind: 'refused', why: pool.state };
    if (!this.o.guard.admit(number, now)) return { kind: 'throttled' };
    const sender = this.#senderIndex(content, pool.country);
    // Parties of masks and sessions are expected senders, however many share the number;
    // everyone writing to a leased number, and strangers writing to any other, count.
    const trips = () => this.o.guard.tripsQuarantine(number, sender ?? `unparsed:${content.sourceAddr}`, now);
    const quarantined = () => {
      this.o.quarantine(number);
      return { kind: 'refused', why: 'quarantined' } as const;
    };

    const lease = this.o.leases.activeOn(number, now);
    if (lease) return trips() ? quarantined() : this.#watch({ kind: 'lease', account: lease.account, lease, content }, sender);
    const leg = sender === undefined ? undefined : this.o.relays.legFor(number, sender, now);
    if (leg) {
      const relayed = this.#relay(leg, content);
      return relayed.kind === 'refused' ? relayed : this.#watch(relayed, sender);
    }
    if (trips()) return quarantined();
    if (pool.cooling_until !== null && pool.cooling_until > now) return { kind: 'refused', why: 'cooling' };
    return { kind: 'refused', why: sender === undefined ? 'unknown-sender' : 'no-holder' };
  }

  /** The sender's blind index, when its address reads as a phone number. */
  #senderIndex(content: MessageContent, homeCountry: string | null): string | undefined {
    const sender = e164FromAddress(content.sourceAddr, content.sourceTon, homeCountry);
    return sender === null ? undefined : this.o.relays.partyIndexOf(sender);
  }

  /** The delivery, held for review when its sender is on the watchlist. */
  #watch(delivery: MoDelivery, sender: string | undefined): MoRoute {
    if (sender === undefined || this.#watched.get(sender) === undefined) return delivery;
    this.o.guard.counters.held++;
    return { ...delivery, hold: 'watchlist' };
  }

  /** An MO of this route was committed whole: a lease counts it toward its cap. */
  delivered(route: MoRoute): void {
    if (route.kind === 'lease') this.o.leases.countMessage(route.lease);
  }

  #relay(leg: RelayLeg, content: MessageContent): MoDelivery | { kind: 'refused'; why: MoRefusal } {
    if (leg.kind === 'mask') {
      const masked = { ...content, sourceAddr: leg.alias, sourceTon: TON_UNKNOWN, sourceNpi: NPI_UNKNOWN, destinationAddr: smppDigits(leg.number), destTon: TON_INTERNATIONAL, destNpi: NPI_E164 };
      return { kind: 'mask', account: leg.account, leg, content: masked };
    }
    const peer = leg.peerLeg === null ? undefined : this.o.relays.leg(leg.peerLeg);
    if (!peer || peer.endedAt !== null) return { kind: 'refused', why: 'no-holder' };
    // What the relayed message will be: from the number the other party knows, to that
    // party's alias (the dispatcher puts the real number in only when it sends).
    const relayed = { ...content, sourceAddr: smppDigits(peer.number), sourceTon: TON_INTERNATIONAL, sourceNpi: NPI_E164, destinationAddr: peer.alias, destTon: TON_UNKNOWN, destNpi: NPI_UNKNOWN };
    return { kind: 'session', account: leg.account, leg, peer, content: relayed };
  }
}
