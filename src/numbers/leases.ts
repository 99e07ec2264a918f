/**
 * Leases: a pool number given to one account for a while (a temporary number). Schema:
 * migration 7 of store/routing-schema.ts.
 *
 * Policy:
 * - A request names the account, a TTL (at most numbers.leases.maxTtlMs), optional country,
 *   region and carrier preferences, an optional message cap and the account's reference.
 * - Selection: the least recently used number among the eligible: available (not quarantined
 *   or retired), not reserved, able to receive (sms-mo), past its cooldown, not leased and not
 *   serving masks or sessions. Ties go to the lowest number, so a choice is reproducible.
 *   "Used" is the last time the number was handed out (a lease, a mask, a session leg) or a
 *   lease of it ended; the order comes from an index, so a choice costs the same in a pool
 *   of twenty numbers or twenty thousand.
 * - Exclusivity is the store's: the choice and the insert run in one IMMEDIATE transaction,
 *   and a partial UNIQUE index allows one active lease per number, so two processes asking at
 *   once never get the same number.
 * - No number: the request fails at once with the pool and the reason (none match, all
 *   leased, cooling, ...), never waits: the caller decides whether to try again.
 * - A lease ends by TTL (the sweeper), release, or cap (the MO that reaches it is the last
 *   delivered). Its number then cools down for numbers.leases.cooldownMs and is retired once
 *   it has had numbers.leases.retireAfterLeases leases (0: never).
 * - An expired lease is never used, even before the sweeper ends it: every lookup checks
 *   expires_at. `endExpired` reports how late each ended lease was (TTL violations: later
 *   than the sweep interval).
 *
 * Pool numbers are ours and may appear in errors; the account's reference is its own text.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Config } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import { randomPiece } from '../keys/random-pool.js';

export type LeaseEndReason = 'ttl' | 'release' | 'cap';

export interface Lease {
  id: string;
  number: string;
  account: string;
  reference: string | null;
  createdAt: number;
  expiresAt: number;
  messageCap: number | null;
  messages: number;
  endedAt: number | null;
  endReason: LeaseEndReason | null;
}

export interface LeaseRequest {
  account: string;
  ttlMs: number;
  country?: string;
  region?: string;
  carrier?: string;
  messageCap?: number;
  reference?: string;
}

export type LeasePolicy = Config['numbers']['leases'];

/** Why no number could be leased: one of these is named in the refusal. */
export type NoNumberReason = 'no-match' | 'all-leased' | 'all-cooling' | 'all-unavailable';

/** A lease request the pool cannot serve now; `reason` says why, the message says which pool. */
export class NoNumberAvailable extends GatewayError {
  constructor(
    readonly pool: string,
    readonly reason: NoNumberReason,
    detail: string,
  ) {
    super('NO_NUMBER_AVAILABLE', `no number available in ${pool}: ${detail}`);
    this.name = 'NoNumberAvailable';
  }
}

interface LeaseRow {
  id: string;
  number: string;
  account: string;
  reference: string | null;
  created_at: number;
  expires_at: number;
  message_cap: number | null;
  messages: number;
  ended_at: number | null;
  end_reason: string | null;
}

function toLease(r: LeaseRow): Lease {
  return {
    id: r.id,
    number: r.number,
    account: r.account,
    reference: r.reference,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    messageCap: r.message_cap,
    messages: r.messages,
    endedAt: r.ended_at,
    endReason: r.end_reason as LeaseEndReason | null,
  };
}

const usage = (message: string) => new GatewayError('USAGE', message);
const MAX_REFERENCE = 64;

/** Numbers of the pool matching a request's preferences (`n` is the numbers table). */
function poolFilter(req: Pick<LeaseRequest, 'country' | 'region' | 'carrier'>): { sql: string; params: Record<string, string> } {
  const conditions: string[] = [];
  const params: Record<string, string> = {};
  if (req.country !== undefined) {
    conditions.push('n.country = @country');
    params.country = req.country.toUpperCase();
  }
  if (req.region !== undefined) {
    conditions.push('n.region = @region COLLATE NOCASE');
    params.region = req.region;
  }
  if (req.carrier !== undefined) {
    conditions.push('n.carrier = @carrier');
    params.carrier = req.carrier;
  }
  return { sql: conditions.length > 0 ? conditions.join(' AND ') : '1', params };
}

/** How a pool is named in a refusal: the preferences that made it. */
export function describePool(req: Pick<LeaseRequest, 'country' | 'region' | 'carrier'>): string {
  const parts = [req.country && `country ${req.country.toUpperCase()}`, req.region && `region ${req.region}`, req.carrier && `carrier ${req.carrier}`].filter(Boolean);
  return parts.length > 0 ? `the pool of ${parts.join(', ')}` : 'the whole pool';
}

/** SQL: the number `n` is not leased and serves no mask or session now. */
export const NUMBER_FREE_SQL = `NOT EXISTS (SELECT 1 FROM leases l WHERE l.number = n.e164 AND l.ended_at IS NULL)
  AND NOT EXISTS (SELECT 1 FROM relay_legs g WHERE g.number = n.e164 AND g.ended_at IS NULL)`;

/** SQL: `n` may be handed out at all (given @now): available, not reserved, past its cooldown, can receive. */
export const NUMBER_ELIGIBLE_SQL = `n.state = 'available' AND n.reserved = 0
  AND (n.cooling_until IS NULL OR n.cooling_until <= @now)
  AND EXISTS (SELECT 1 FROM json_each(n.capabilities) WHERE value = 'sms-mo')`;

/**
 * SQL: least recently used first (SQLite sorts NULL, never used, first), ties to the lowest
 * number. With `n.state = 'available'` in the WHERE clause the index numbers_by_last_use
 * (migration 7) yields the numbers in this order, so a choice reads the first eligible rows
 * instead of sorting the pool. Handing a number out stamps last_used_at (`markNumberUsed`),
 * so the numbers in use sort last and the walk finds a free one at once.
 */
export const LEAST_RECENTLY_USED_SQL = 'n.last_used_at, n.e164';

/** A number handed out now (a lease, a mask or a session leg) is the most recently used. */
export function markNumberUsed(db: Database): Statement<{ number: string; now: number; leases: number }> {
  return db.prepare('UPDATE numbers SET lease_count = lease_count + @leases, last_used_at = @now, updated_at = @now WHERE e164 = @number');
}

export function newId(prefix: string): string {
  return `${prefix}-${randomPiece(8).toString('hex')}`;
}

export class LeaseBook {
  readonly #db: Database;
  readonly #policy: LeasePolicy;
  readonly #now: () => number;
  readonly #byId: Statement<[string], LeaseRow>;
  readonly #activeOn: Statement<[string], LeaseRow>;
  readonly #insert: Statement;
  readonly #end: Statement;
  readonly #afterLease: Statement;
  readonly #count: Statement;
  readonly #accountExists: Statement<[string]>;
  readonly #markUsed: Statement<{ number: string; now: number; leases: number }>;
  /** The choice statement of each combination of preferences: prepared once, not per request. */
  readonly #picks = new Map<string, Statement<Record<string, unknown>, { e164: string }>>();

  constructor(db: Database, policy: LeasePolicy, now: () => number = Date.now) {
    this.#db = db;
    this.#policy = policy;
    this.#now = now;
    this.#byId = db.prepare('SELECT * FROM leases WHERE id = ?');
    this.#activeOn = db.prepare('SELECT * FROM leases WHERE number = ? AND ended_at IS NULL');
    this.#insert = db.prepare(
      `INSERT INTO leases (id, number, account, reference, created_at, expires_at, message_cap) VALUES (@id, @number, @account, @reference, @now, @expiresAt, @messageCap)`,
    );
    this.#end = db.prepare('UPDATE leases SET ended_at = @now, end_reason = @reason WHERE id = @id AND ended_at IS NULL');
    // The number cools down, and retires once it had its share of leases.
    this.#afterLease = db.prepare(
      `UPDATE numbers SET last_used_at = @now, updated_at = @now, cooling_until = @now + @cooldown,
         state = CASE WHEN @retireAfter > 0 AND lease_count >= @retireAfter AND state = 'available' THEN 'retired' ELSE state END
       WHERE e164 = @number`,
    );
    this.#count = db.prepare('UPDATE leases SET messages = messages + 1 WHERE id = ? AND ended_at IS NULL RETURNING messages, message_cap');
    this.#accountExists = db.prepare('SELECT 1 FROM accounts WHERE system_id = ?');
    this.#markUsed = markNumberUsed(db);
  }

  #pick(filterSql: string): Statement<Record<string, unknown>, { e164: string }> {
    let pick = this.#picks.get(filterSql);
    if (!pick) {
      pick = this.#db.prepare<Record<string, unknown>, { e164: string }>(
        `SELECT n.e164 FROM numbers n WHERE ${filterSql} AND ${NUMBER_ELIGIBLE_SQL} AND ${NUMBER_FREE_SQL}
         ORDER BY ${LEAST_RECENTLY_USED_SQL} LIMIT 1`,
      );
      this.#picks.set(filterSql, pick);
    }
    return pick;
  }

  /** Leases a number to the account, or throws NoNumberAvailable (USAGE for a bad request). */
  request(req: LeaseRequest): Lease {
    this.#check(req);
    const now = this.#now();
    const filter = poolFilter(req);
    const pick = this.#pick(filter.sql);
    const grant = this.#db.transaction((): Lease => {
      if (this.#accountExists.get(req.account) === undefined) {
        throw usage(`account ${JSON.stringify(req.account)} does not exist; \`maskgate accounts list\` shows the accounts`);
      }
      const chosen = pick.get({ ...filter.params, now });
      if (chosen === undefined) throw this.#whyNone(req, filter, now);
      const id = newId('lease');
      this.#insert.run({ id, number: chosen.e164, account: req.account, reference: req.reference ?? null, now, expiresAt: now + req.ttlMs, messageCap: req.messageCap ?? null });
      this.#markUsed.run({ number: chosen.e164, now, leases: 1 });
      return toLease(this.#byId.get(id)!);
    });
    // IMMEDIATE: the write lock is held from the choice to the insert (see the policy).
    return grant.immediate();
  }

  #check(req: LeaseRequest): void {
    if (!Number.isInteger(req.ttlMs) || req.ttlMs < 1000) throw usage('ttl: give at least one second');
    if (req.ttlMs > this.#policy.maxTtlMs) throw usage(`ttl: at most ${this.#policy.maxTtlMs} ms (numbers.leases.maxTtlMs)`);
    if (req.messageCap !== undefined && (!Number.isInteger(req.messageCap) || req.messageCap < 1)) throw usage('message cap: give a whole number of messages, at least 1');
    if (req.reference !== undefined && (req.reference.length > MAX_REFERENCE || /[\x00-\x1f]/.test(req.reference))) {
      throw usage(`reference: at most ${MAX_REFERENCE} characters, no control characters`);
    }
    if (req.country !== undefined && !/^[a-z]{2}$/i.test(req.country)) throw usage(`country: give an ISO 3166-1 alpha-2 code such as UZ, got ${JSON.stringify(req.country)}`);
  }

  /** The refusal for a request no number can serve: which pool, and why. */
  #whyNone(req: LeaseRequest, filter: { sql: string; params: Record<string, string> }, now: number): NoNumberAvailable {
    const pool = describePool(req);
    const count = (extra: string) =>
      (this.#db.prepare(`SELECT count(*) AS n FROM numbers n WHERE ${filter.sql} AND ${extra}`).get({ ...filter.params, now }) as { n: number }).n;
    const inPool = count('1');
    if (inPool === 0) return new NoNumberAvailable(pool, 'no-match', 'no number matches; `maskgate numbers list` shows the pool');
    const usableSql = `n.state = 'available' AND n.reserved = 0 AND EXISTS (SELECT 1 FROM json_each(n.capabilities) WHERE value = 'sms-mo')`;
    const usable = count(usableSql);
    if (usable === 0) return new NoNumberAvailable(pool, 'all-unavailable', `all ${inPool} numbers are quarantined, retired, reserved or cannot receive SMS`);
    // Usable and free, yet not chosen: only the cooldown is left (a send-only number is not usable).
    const free = count(`${usableSql} AND ${NUMBER_FREE_SQL}`);
    if (free === 0) return new NoNumberAvailable(pool, 'all-leased', `all ${usable} usable numbers are leased or serve masks and sessions; try again later or add numbers`);
    return new NoNumberAvailable(pool, 'all-cooling', `the ${free} numbers not in use are cooling down after their last lease (numbers.leases.cooldownMs); try again later`);
  }

  get(id: string): Lease | undefined {
    const row = this.#byId.get(id);
    return row && toLease(row);
  }

  /** The lease or a USAGE error naming the way to find one. */
  require(id: string): Lease {
    const found = this.get(id);
    if (!found) throw usage(`no lease ${JSON.stringify(id)}; \`maskgate leases list\` shows the leases`);
    return found;
  }

  /** The lease in force on a number now (not ended, not past its TTL), if any. */
  activeOn(number: string, now = this.#now()): Lease | undefined {
    const row = this.#activeOn.get(number);
    return row && row.expires_at > now ? toLease(row) : undefined;
  }

  /** Leases, newest first, optionally of one account and only those still active. */
  list(filter: { account?: string; active?: boolean; limit?: number } = {}): Lease[] {
    const where = [filter.account !== undefined ? 'account = @account' : '1', filter.active ? 'ended_at IS NULL' : '1'].join(' AND ');
    const rows = this.#db.prepare<Record<string, unknown>, LeaseRow>(`SELECT * FROM leases WHERE ${where} ORDER BY created_at DESC, id LIMIT @limit`).all({ account: filter.account, limit: filter.limit ?? 1000 });
    return rows.map(toLease);
  }

  /** Ends a lease early (the account or an operator); a lease already ended is refused. */
  release(id: string, account?: string): Lease {
    const lease = this.require(id);
    if (account !== undefined && lease.account !== account) throw usage(`no lease ${JSON.stringify(id)} for account ${account}`);
    if (!this.#endNow(lease.id, lease.number, 'release', this.#now())) throw usage(`lease ${id} already ended (${lease.endReason ?? 'ttl'})`);
    return this.require(id);
  }

  /**
   * Counts an MO delivered through the lease; ends it when that reaches its cap. Returns
   * whether the lease ended with this message.
   */
  countMessage(lease: Lease): boolean {
    const row = this.#count.get(lease.id) as { messages: number; message_cap: number | null } | undefined;
    if (!row || row.message_cap === null || row.messages < row.message_cap) return false;
    return this.#endNow(lease.id, lease.number, 'cap', this.#now());
  }

  /**
   * Ends the leases past their TTL (the sweeper); returns them with how late each ended, in
   * ms past its expiry. At most `limit` per call: one short transaction. `inTransaction` is
   * told what ended before that transaction commits, so what it writes (expiry events, the
   * audit trail) commits with the ends, or neither does.
   */
  endExpired(limit = 500, inTransaction?: (ended: Lease[]) => void): { lease: Lease; lateMs: number }[] {
    const now = this.#now();
    const due = this.#db.prepare<[number, number], LeaseRow>('SELECT * FROM leases WHERE ended_at IS NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?');
    return this.#db
      .transaction(() => {
        const ended = due.all(now, limit).filter((r) => this.#endNow(r.id, r.number, 'ttl', now)).map((r) => ({ lease: this.require(r.id), lateMs: now - r.expires_at }));
        if (ended.length > 0) inTransaction?.(ended.map((e) => e.lease));
        return ended;
      })
      .immediate();
  }

  #endNow(id: string, number: string, reason: LeaseEndReason, now: number): boolean {
    return this.#db.transaction(() => {
      if (this.#end.run({ id, now, reason }).changes === 0) return false;
      this.#afterLease.run({ number, now, cooldown: this.#policy.cooldownMs, retireAfter: this.#policy.retireAfterLeases });
      return true;
    })();
  }
}
