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
 * Refused MO are answered ESME_RINVDSTADR (permanent): the carrier stops retrying a number
 * nobody may receive on. Cooling numbers refuse too, which is the point of the cooldown: the
 * last holder's correspondents learn the number is gone, and the next holder hears nothing.
 */
import type { MessageContent } from '../messages/types.js';
import type { Database, Statement } from 'better-sqlite3';
import { e164FromAddress } from './e164.js';
import type { Lease, LeaseBook } from './leases.js';
import type { RelayBook, RelayLeg } from './relays.js';

export type MoRefusal = 'unowned' | 'quarantined' | 'retired' | 'cooling' | 'no-holder' | 'unknown-sender';

export type MoRoute =
  /** An account's MO (moPrefixes): as it came. */
  | { kind: 'account'; account: string; content: MessageContent }
  /** To a leased number: as it came; `lease` counts it once committed. */
  | { kind: 'lease'; account: string; lease: Lease; content: MessageContent }
  /** A masked party's reply, to the mask's account from the alias. */
  | { kind: 'mask'; account: string; leg: RelayLeg; content: MessageContent }
  /** A session party's message, to be relayed to the other leg's party. */
  | { kind: 'session'; account: string; leg: RelayLeg; peer: RelayLeg; content: MessageContent }
  | { kind: 'refused'; why: MoRefusal };

const TON_UNKNOWN = 0;
const NPI_UNKNOWN = 0;
const TON_INTERNATIONAL = 1;
const NPI_E164 = 1;
const digitsOf = (e164: string) => (e164.startsWith('+') ? e164.slice(1) : e164);

interface PoolRow {
  state: string;
  country: string;
  cooling_until: number | null;
}

export class MoRouter {
  readonly #pool: Statement<[string], PoolRow>;

  constructor(
    private readonly o: {
      db: Database;
      leases: LeaseBook;
      relays: RelayBook;
      /** The account owning a number by its MO prefixes. */
      prefixOwner: (destination: string) => string | undefined;
      now?: () => number;
    },
  ) {
    this.#pool = o.db.prepare('SELECT state, country, cooling_until FROM numbers WHERE e164 = ?');
  }

  route(content: MessageContent): MoRoute {
    const now = (this.o.now ?? Date.now)();
    const digits = digitsOf(content.destinationAddr);
    const number = /^\d{1,15}$/.test(digits) ? `+${digits}` : undefined;
    const pool = number === undefined ? undefined : this.#pool.get(number);
    if (number === undefined || pool === undefined) {
      const account = this.o.prefixOwner(content.destinationAddr);
      return account === undefined ? { kind: 'refused', why: 'unowned' } : { kind: 'account', account, content };
    }
    if (pool.state === 'quarantined' || pool.state === 'retired') return { kind: 'refused', why: pool.state };

    const lease = this.o.leases.activeOn(number, now);
    if (lease) return { kind: 'lease', account: lease.account, lease, content };

    const sender = e164FromAddress(content.sourceAddr, content.sourceTon, pool.country);
    const leg = sender === null ? undefined : this.o.relays.legFor(number, this.o.relays.partyIndexOf(sender), now);
    if (leg) return this.#relay(leg, content);
    if (pool.cooling_until !== null && pool.cooling_until > now) return { kind: 'refused', why: 'cooling' };
    return { kind: 'refused', why: sender === null ? 'unknown-sender' : 'no-holder' };
  }

  /** An MO of this route was committed whole: a lease counts it toward its cap. */
  delivered(route: MoRoute): void {
    if (route.kind === 'lease') this.o.leases.countMessage(route.lease);
  }

  #relay(leg: RelayLeg, content: MessageContent): MoRoute {
    if (leg.kind === 'mask') {
      const masked = { ...content, sourceAddr: leg.alias, sourceTon: TON_UNKNOWN, sourceNpi: NPI_UNKNOWN, destinationAddr: digitsOf(leg.number), destTon: TON_INTERNATIONAL, destNpi: NPI_E164 };
      return { kind: 'mask', account: leg.account, leg, content: masked };
    }
    const peer = leg.peerLeg === null ? undefined : this.o.relays.leg(leg.peerLeg);
    if (!peer || peer.endedAt !== null) return { kind: 'refused', why: 'no-holder' };
    // What the relayed message will be: from the number the other party knows, to that
    // party's alias (the dispatcher puts the real number in only when it sends).
    const relayed = { ...content, sourceAddr: digitsOf(peer.number), sourceTon: TON_INTERNATIONAL, sourceNpi: NPI_E164, destinationAddr: peer.alias, destTon: TON_UNKNOWN, destNpi: NPI_UNKNOWN };
    return { kind: 'session', account: leg.account, leg, peer, content: relayed };
  }
}
