/**
 * Masks and proxy sessions: real parties reached through pool numbers, so that the account
 * (masks) or the other party (sessions) never learns their number. Schema: migration 7 of
 * store/routing-schema.ts; the real numbers live in the contact store (contact-store.ts).
 *
 * Both are made of legs. A leg ties one real party R (contact id + blind index) to one pool
 * number V for an account, with an alias: MT from the account to the alias go to R from V,
 * and R's messages to V come back to the account (mask) or are relayed to the other leg's
 * party (session) from that leg's number.
 *
 * Policy:
 * - A mask is one leg; a session is two, one per party, and the two parties must differ.
 * - V is chosen so that no other active leg of R uses it (the store's partial UNIQUE index
 *   on (number, party) makes that a guarantee, not a hope): R's reply to V then finds one
 *   leg. One V serves many parties. Among the eligible numbers (as for leases: available,
 *   not reserved, past cooldown, not leased; and able to send and receive), a number R used
 *   within numbers.leases.cooldownMs comes last (a late reply to an ended mask must not
 *   reach a new holder), then the least loaded, then the least recently used (handing a
 *   number to a leg counts as a use, as a lease does).
 * - By default V is in R's country (carriers refuse or rewrite foreign senders); a request
 *   may name another country or a carrier.
 * - Choice and insert run in one IMMEDIATE transaction, so concurrent requests serialise.
 * - Every lookup checks expires_at, so an expired leg is never used before the sweeper ends it.
 * - Nothing returned to a caller holds R: views carry the alias and V only.
 */
import { randomInt } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { GatewayError } from '../errors.js';
import type { ContactStore } from './contact-store.js';
import { countryOfE164, describeRefusedNumber, e164From } from './e164.js';
import { maskView, toLeg, type LegEndReason, type LegRow, type MaskView, type RelayLeg, type RelayPolicy, type RelayRequest, type SessionRow, type SessionView } from './relay-types.js';
import { LEAST_RECENTLY_USED_SQL, NoNumberAvailable, NUMBER_ELIGIBLE_SQL, describePool, markNumberUsed, newId } from './leases.js';

export type { LegEndReason, MaskView, RelayLeg, RelayPolicy, RelayRequest, SessionView } from './relay-types.js';

/** Masks and sessions one sweep ended by TTL. */
export interface EndedRelays {
  masks: MaskView[];
  sessions: SessionView[];
}

const usage = (message: string) => new GatewayError('USAGE', message);
const ALIAS_DIGITS = 15; // an E.164-sized address: every client and carrier field takes it
const MAX_REFERENCE = 64;

/** A party's real number as given, or BAD_DESTINATION naming at most its last digits. */
function realNumberArg(raw: string): string {
  const e164 = e164From(raw);
  if (e164 === null) throw new GatewayError('BAD_DESTINATION', `${describeRefusedNumber(raw)} is not a valid E.164 phone number: give the country code and the full number`);
  return e164;
}

export class RelayBook {
  readonly #db: Database;
  readonly #contacts: ContactStore;
  readonly #policy: RelayPolicy;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  readonly #leg: Statement<[string], LegRow>;
  readonly #byAlias: Statement<[string], LegRow>;
  readonly #byPair: Statement<[string, string], LegRow>;
  readonly #insertLeg: Statement;
  readonly #markUsed: Statement<{ number: string; now: number; leases: number }>;
  /** The two choice statements of each combination of preferences, prepared once. */
  readonly #choices = new Map<string, { idle: Statement<Record<string, unknown>, { e164: string }>; ranked: Statement<Record<string, unknown>, { e164: string }> }>();

  constructor(opts: { db: Database; contacts: ContactStore; policy: RelayPolicy; cooldownMs: number; now?: () => number }) {
    this.#db = opts.db;
    this.#contacts = opts.contacts;
    this.#policy = opts.policy;
    this.#cooldownMs = opts.cooldownMs;
    this.#now = opts.now ?? Date.now;
    const db = opts.db;
    this.#leg = db.prepare('SELECT * FROM relay_legs WHERE id = ?');
    this.#byAlias = db.prepare('SELECT * FROM relay_legs WHERE alias = ? AND ended_at IS NULL');
    this.#byPair = db.prepare('SELECT * FROM relay_legs WHERE number = ? AND party_index = ? AND ended_at IS NULL');
    this.#insertLeg = db.prepare(
      `INSERT INTO relay_legs (id, kind, session_id, peer_leg, account, number, party_index, contact_id, alias, reference, created_at, expires_at)
       VALUES (@id, @kind, @sessionId, @peerLeg, @account, @number, @partyIndex, @contactId, @alias, @reference, @now, @expiresAt)`,
    );
    this.#markUsed = markNumberUsed(db);
  }

  /** Makes a mask of a real number for an account; the view holds the alias and V, never R. */
  createMask(req: RelayRequest & { realNumber: string }): MaskView {
    this.#check(req);
    const party = this.#party(req.realNumber);
    const now = this.#now();
    const make = this.#db.transaction((): MaskView => {
      this.#requireAccount(req.account);
      const number = this.#chooseNumber(party, req, now);
      const id = newId('mask');
      this.#insertLeg.run({ id, kind: 'mask', sessionId: null, peerLeg: null, account: req.account, number, contactId: party.contactId, partyIndex: party.partyIndex, alias: this.#newAlias(), reference: req.reference ?? null, now, expiresAt: now + req.ttlMs });
      this.#markUsed.run({ number, now, leases: 0 });
      return maskView(toLeg(this.#leg.get(id)!));
    });
    return make.immediate();
  }

  /** Makes a proxy session between two real parties; each gets a pool number to text. */
  createSession(req: RelayRequest & { partyA: string; partyB: string }): SessionView {
    this.#check(req);
    const a = this.#party(req.partyA);
    const b = this.#party(req.partyB);
    if (a.partyIndex === b.partyIndex) throw usage('the two parties of a session must be different numbers');
    const now = this.#now();
    const make = this.#db.transaction((): SessionView => {
      this.#requireAccount(req.account);
      const id = newId('sess');
      const [legA, legB] = [newId('leg'), newId('leg')];
      this.#db
        .prepare('INSERT INTO proxy_sessions (id, account, reference, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
        .run(id, req.account, req.reference ?? null, now, now + req.ttlMs);
      const common = { kind: 'session', sessionId: id, account: req.account, reference: req.reference ?? null, now, expiresAt: now + req.ttlMs };
      // One leg after the other: B's number is chosen with A's leg already counted, so the
      // two parties get the least loaded numbers, not the same one.
      for (const [leg, peerLeg, party] of [[legA, legB, a], [legB, legA, b]] as const) {
        const number = this.#chooseNumber(party, req, now);
        this.#insertLeg.run({ ...common, id: leg, peerLeg, number, contactId: party.contactId, partyIndex: party.partyIndex, alias: this.#newAlias() });
        this.#markUsed.run({ number, now, leases: 0 });
      }
      return this.requireSession(id);
    });
    return make.immediate();
  }

  #check(req: RelayRequest): void {
    if (!Number.isInteger(req.ttlMs) || req.ttlMs < 1000) throw usage('ttl: give at least one second');
    if (req.ttlMs > this.#policy.maxTtlMs) throw usage(`ttl: at most ${this.#policy.maxTtlMs} ms (numbers.relays.maxTtlMs)`);
    if (req.reference !== undefined && (req.reference.length > MAX_REFERENCE || /[\x00-\x1f]/.test(req.reference))) {
      throw usage(`reference: at most ${MAX_REFERENCE} characters, no control characters`);
    }
    if (req.country !== undefined && !/^[a-z]{2}$/i.test(req.country)) throw usage(`country: give an ISO 3166-1 alpha-2 code such as UZ, got ${JSON.stringify(req.country)}`);
  }

  /** The party as the routing store may hold it: contact id and blind index (and its country). */
  #party(raw: string): { contactId: string; partyIndex: string; country: string | null } {
    const { contactId, index, e164 } = this.#contacts.party(realNumberArg(raw));
    return { contactId, partyIndex: index, country: countryOfE164(e164) };
  }

  #requireAccount(account: string): void {
    if (this.#db.prepare('SELECT 1 FROM accounts WHERE system_id = ?').get(account) === undefined) {
      throw usage(`account ${JSON.stringify(account)} does not exist; \`maskgate accounts list\` shows the accounts`);
    }
  }

  /** V for the party (see the policy), or NoNumberAvailable naming the pool. */
  #chooseNumber(party: { partyIndex: string; country: string | null }, req: RelayRequest, now: number): string {
    const country = req.country?.toUpperCase() ?? party.country ?? undefined;
    const filter = [country !== undefined ? 'n.country = @country' : '1', req.carrier !== undefined ? 'n.carrier = @carrier' : '1'].join(' AND ');
    const choice = this.#choice(filter);
    const params = { country, carrier: req.carrier, party: party.partyIndex, now, recent: now - this.#cooldownMs };
    // A number serving nobody that the party has not used lately is what the full ranking
    // puts first whenever one exists, in the same order: found by the index, not by ranking
    // the whole pool.
    const chosen = choice.idle.get(params) ?? choice.ranked.get(params);
    if (chosen === undefined) {
      const pool = describePool({ country, carrier: req.carrier });
      throw new NoNumberAvailable(pool, 'all-leased', 'every number that can send and receive is leased, cooling, unavailable, or already serves this party; add numbers to the pool');
    }
    return chosen.e164;
  }

  #choice(filter: string) {
    let choice = this.#choices.get(filter);
    if (!choice) {
      const candidates = `SELECT n.e164 FROM numbers n
         WHERE ${filter} AND ${NUMBER_ELIGIBLE_SQL}
           AND EXISTS (SELECT 1 FROM json_each(n.capabilities) WHERE value = 'sms-mt')
           AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.number = n.e164 AND l.ended_at IS NULL)`;
      const recentlyTheParty = 'EXISTS (SELECT 1 FROM relay_legs g WHERE g.number = n.e164 AND g.party_index = @party AND g.ended_at > @recent)';
      choice = {
        idle: this.#db.prepare(
          `${candidates}
             AND NOT EXISTS (SELECT 1 FROM relay_legs g WHERE g.number = n.e164 AND g.ended_at IS NULL)
             AND NOT ${recentlyTheParty}
           ORDER BY ${LEAST_RECENTLY_USED_SQL} LIMIT 1`,
        ),
        ranked: this.#db.prepare(
          `${candidates}
             AND NOT EXISTS (SELECT 1 FROM relay_legs g WHERE g.number = n.e164 AND g.party_index = @party AND g.ended_at IS NULL)
           ORDER BY ${recentlyTheParty},
             (SELECT count(*) FROM relay_legs g WHERE g.number = n.e164 AND g.ended_at IS NULL),
             ${LEAST_RECENTLY_USED_SQL}
           LIMIT 1`,
        ),
      };
      this.#choices.set(filter, choice);
    }
    return choice;
  }

  /** A fresh alias: the configured prefix and random digits (15 in all), unused so far. */
  #newAlias(): string {
    const prefix = this.#policy.aliasPrefix;
    for (;;) {
      let alias = prefix;
      while (alias.length < ALIAS_DIGITS) alias += String(randomInt(10));
      if (this.#db.prepare('SELECT 1 FROM relay_legs WHERE alias = ?').get(alias) === undefined) return alias;
    }
  }

  /** Whether an address has the form of our aliases (it may still match no leg). */
  isAlias(address: string): boolean {
    const digits = address.startsWith('+') ? address.slice(1) : address;
    return digits.length === ALIAS_DIGITS && digits.startsWith(this.#policy.aliasPrefix) && /^\d+$/.test(digits);
  }

  /** The active leg an account addresses by alias, or undefined (another account's alias too). */
  legByAlias(account: string, alias: string, now = this.#now()): RelayLeg | undefined {
    const row = this.#byAlias.get(alias.startsWith('+') ? alias.slice(1) : alias);
    return row && row.account === account && row.expires_at > now ? toLeg(row) : undefined;
  }

  /** The active leg of the party with this blind index on pool number V, if any. */
  legFor(number: string, partyIndex: string, now = this.#now()): RelayLeg | undefined {
    const row = this.#byPair.get(number, partyIndex);
    return row && row.expires_at > now ? toLeg(row) : undefined;
  }

  /** A leg by id, in any state (a message accepted while it was active is still sent). */
  leg(id: string): RelayLeg | undefined {
    const row = this.#leg.get(id);
    return row && toLeg(row);
  }

  /** The blind index of a real number made canonical by e164.ts, for matching its messages to legs. */
  partyIndexOf(e164: string): string {
    return this.#contacts.blindIndexOfCanonical(e164);
  }

  /**
   * Where a leg's messages go: its pool number and its party's real number (opened now), or
   * undefined when the contact is gone (forgotten): nobody to send to.
   */
  addressOf(leg: RelayLeg): { from: string; to: string } | undefined {
    const to = this.#contacts.realNumber(leg.contactId);
    return to === undefined ? undefined : { from: leg.number, to };
  }

  getMask(id: string): MaskView | undefined {
    const leg = this.leg(id);
    return leg?.kind === 'mask' ? maskView(leg) : undefined;
  }

  requireMask(id: string, account?: string): MaskView {
    const mask = this.getMask(id);
    if (!mask || (account !== undefined && mask.account !== account)) throw usage(`no mask ${JSON.stringify(id)}${account ? ` for account ${account}` : ''}; \`maskgate masks list\` shows them`);
    return mask;
  }

  listMasks(filter: { account?: string; active?: boolean; limit?: number } = {}): MaskView[] {
    const where = ["kind = 'mask'", filter.account !== undefined ? 'account = @account' : '1', filter.active ? 'ended_at IS NULL' : '1'].join(' AND ');
    return this.#db
      .prepare<Record<string, unknown>, LegRow>(`SELECT * FROM relay_legs WHERE ${where} ORDER BY created_at DESC, id LIMIT @limit`)
      .all({ account: filter.account, limit: filter.limit ?? 1000 })
      .map((r) => maskView(toLeg(r)));
  }

  revokeMask(id: string, account?: string): MaskView {
    const mask = this.requireMask(id, account);
    if (this.#db.prepare("UPDATE relay_legs SET ended_at = ?, end_reason = 'revoked' WHERE id = ? AND ended_at IS NULL").run(this.#now(), id).changes === 0) {
      throw usage(`mask ${id} already ended (${mask.endReason ?? 'ttl'})`);
    }
    return this.requireMask(id);
  }

  getSession(id: string): SessionView | undefined {
    const s = this.#db.prepare<[string], SessionRow>('SELECT * FROM proxy_sessions WHERE id = ?').get(id);
    if (!s) return undefined;
    const legs = this.#db.prepare<[string], LegRow>('SELECT * FROM relay_legs WHERE session_id = ? ORDER BY rowid').all(id);
    return {
      id: s.id,
      account: s.account,
      reference: s.reference,
      createdAt: s.created_at,
      expiresAt: s.expires_at,
      endedAt: s.ended_at,
      endReason: s.end_reason as LegEndReason | null,
      parties: legs.map((l) => ({ leg: l.id, alias: l.alias, number: l.number })),
    };
  }

  requireSession(id: string, account?: string): SessionView {
    const session = this.getSession(id);
    if (!session || (account !== undefined && session.account !== account)) throw usage(`no session ${JSON.stringify(id)}${account ? ` for account ${account}` : ''}; \`maskgate sessions list\` shows them`);
    return session;
  }

  listSessions(filter: { account?: string; active?: boolean; limit?: number } = {}): SessionView[] {
    const where = [filter.account !== undefined ? 'account = @account' : '1', filter.active ? 'ended_at IS NULL' : '1'].join(' AND ');
    return this.#db
      .prepare<Record<string, unknown>, { id: string }>(`SELECT id FROM proxy_sessions WHERE ${where} ORDER BY created_at DESC, id LIMIT @limit`)
      .all({ account: filter.account, limit: filter.limit ?? 1000 })
      .map((r) => this.requireSession(r.id));
  }

  closeSession(id: string, account?: string): SessionView {
    const session = this.requireSession(id, account);
    const close = this.#db.transaction(() => {
      const now = this.#now();
      const changed = this.#db.prepare("UPDATE proxy_sessions SET ended_at = ?, end_reason = 'closed' WHERE id = ? AND ended_at IS NULL").run(now, id).changes;
      this.#db.prepare("UPDATE relay_legs SET ended_at = ?, end_reason = 'closed' WHERE session_id = ? AND ended_at IS NULL").run(now, id);
      return changed;
    });
    if (close.immediate() === 0) throw usage(`session ${id} already ended (${session.endReason ?? 'ttl'})`);
    return this.requireSession(id);
  }

  /**
   * Ends masks and sessions past their TTL (the sweeper); returns how many legs, how many of
   * them ended more than `lateAfterMs` after their TTL, and the masks and sessions that
   * ended (a session once, with its first leg). At most `limit` legs per call.
   * `inTransaction` is told what ended before the transaction commits, so what it writes
   * (expiry events, the audit trail) commits with the ends, or neither does.
   */
  endExpired(limit = 500, lateAfterMs = Infinity, inTransaction?: (ended: EndedRelays) => void): { legs: number; late: number } & EndedRelays {
    const now = this.#now();
    return this.#db
      .transaction(() => {
        const due = this.#db.prepare<[number, number], LegRow>('SELECT * FROM relay_legs WHERE ended_at IS NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?').all(now, limit);
        let late = 0;
        const masks: string[] = [];
        const sessions: string[] = [];
        for (const leg of due) {
          this.#db.prepare("UPDATE relay_legs SET ended_at = ?, end_reason = 'ttl' WHERE id = ? AND ended_at IS NULL").run(now, leg.id);
          if (leg.session_id === null) masks.push(leg.id);
          else if (this.#db.prepare("UPDATE proxy_sessions SET ended_at = ?, end_reason = 'ttl' WHERE id = ? AND ended_at IS NULL").run(now, leg.session_id).changes > 0) sessions.push(leg.session_id);
          if (now - leg.expires_at > lateAfterMs) late++;
        }
        const ended: EndedRelays = { masks: masks.map((id) => this.requireMask(id)), sessions: sessions.map((id) => this.requireSession(id)) };
        if (due.length > 0) inTransaction?.(ended);
        return { legs: due.length, late, ...ended };
      })
      .immediate();
  }
}
