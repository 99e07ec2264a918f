/**
 * The pool of virtual numbers in the routing store (schema: migration 6 of
 * store/routing-schema.ts): import from CSV, list, show, and the operator's state changes.
 * Leases, masks and sessions build on this inventory (leases.ts, relays.ts).
 *
 * Policy:
 * - An import is all or nothing. Every row is checked first (number-csv.ts, then "already in
 *   the pool" here); one bad row means nothing is written, and every bad row is reported by
 *   line, so the operator fixes the file once rather than row by row.
 * - A row naming a carrier the configuration does not have is imported, with a warning: the
 *   configuration changes over time (a carrier is added after its numbers, or renamed), and
 *   a number must not become unimportable, nor vanish, because of that.
 * - State changes go through one transition table, applied by a single conditional UPDATE,
 *   so two operators (or the operator and the lease sweeper) cannot both win.
 * - The state a number shows is derived when it is read, never stored twice: a quarantined or
 *   retired number shows that; an available one shows `leased` while a lease is in force
 *   (not ended and not past its TTL, as leases.ts decides), `cooling` from the end of its
 *   lease's TTL to the end of its cooldown (a lease past its TTL that the sweeper has not
 *   ended yet is no longer in force, yet its number is not handed out: it waits for the
 *   sweeper, then cools down), else `available`. So a listing is right between sweeps too.
 *   An available number may still serve masks and sessions (relays.ts), which share it.
 *
 * Pool numbers are ours, not subscribers', so they may appear in errors and listings.
 */
import type { Database, Statement } from 'better-sqlite3';
import { GatewayError } from '../errors.js';
import { normaliseE164, parseNumberCsv, type Capability, type NumberFacts, type RowProblem } from './number-csv.js';

/** What the operator sets. available: may be handed out; quarantined: held back until released; retired: never again. */
type StoredState = 'available' | 'quarantined' | 'retired';

/** What a number shows (see the policy): its stored state, or what holds an available one now. */
export const NUMBER_STATES = ['available', 'leased', 'cooling', 'quarantined', 'retired'] as const;
export type NumberState = (typeof NUMBER_STATES)[number];

/** The lease in force on a number: who holds it, until when. */
export interface NumberLease {
  id: string;
  account: string;
  expiresAt: number;
}

export interface PoolNumber extends NumberFacts {
  state: NumberState;
  /** The lease in force (also on a number quarantined while leased); null when none. */
  lease: NumberLease | null;
  /**
   * Epoch ms its cooldown after a lease ends, while that is in the future; else null (also
   * while an expired lease waits for the sweeper, which starts the cooldown).
   */
  coolingUntil: number | null;
  leaseCount: number;
  /** Epoch ms a lease of it last ended; null when it never had one. */
  lastUsedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** One pool's numbers by shown state (see `availability`). */
export interface PoolAvailability {
  country: string;
  carrier: string;
  total: number;
  byState: Record<NumberState, number>;
}

export interface NumberFilter {
  country?: string;
  region?: string;
  carrier?: string;
  state?: NumberState;
}

export interface ImportResult {
  imported: number;
  /** Accepted but worth a look, e.g. a carrier the configuration does not name. */
  warnings: string[];
}

export type StateChange = 'quarantine' | 'release-quarantine' | 'retire';

/** Which states each operator action applies to, and the state it leads to. */
const TRANSITIONS: Record<StateChange, { from: readonly StoredState[]; to: StoredState; refusal: string }> = {
  quarantine: { from: ['available'], to: 'quarantined', refusal: 'only an available number can be quarantined' },
  'release-quarantine': { from: ['quarantined'], to: 'available', refusal: 'only a quarantined number can be released' },
  retire: { from: ['available', 'quarantined'], to: 'retired', refusal: 'a retired number stays retired' },
};

/** A rejected import: the message lists every problem; `problems` has them one by one. */
export class NumberImportError extends GatewayError {
  readonly problems: readonly RowProblem[];

  constructor(source: string, problems: readonly RowProblem[]) {
    const lines = problems.map((p) => `  line ${p.line}${p.column ? `, ${p.column}` : ''}: ${p.message}`);
    super('USAGE', `${source}: nothing imported; fix ${problems.length === 1 ? 'this row' : `these ${problems.length} problems`} and import the file again:\n${lines.join('\n')}`);
    this.name = 'NumberImportError';
    this.problems = problems;
  }
}

interface Row {
  e164: string;
  country: string;
  region: string | null;
  carrier: string;
  capabilities: string;
  reserved: number;
  state: string;
  lease_count: number;
  last_used_at: number | null;
  created_at: number;
  updated_at: number;
  cooling_until: number | null;
  shown_state: string;
  lease_id: string | null;
  lease_account: string | null;
  lease_expires_at: number | null;
}

/**
 * Every number with its shown state (see the policy) and its unended lease, given @now. The
 * partial UNIQUE index of leases (one unended lease per number) keeps this one row per number.
 */
const NUMBERS_AS_SHOWN = `SELECT n.*, l.id AS lease_id, l.account AS lease_account, l.expires_at AS lease_expires_at,
    CASE WHEN n.state <> 'available' THEN n.state
         WHEN l.expires_at > @now THEN 'leased'
         WHEN l.id IS NOT NULL OR n.cooling_until > @now THEN 'cooling'
         ELSE 'available' END AS shown_state
  FROM numbers n LEFT JOIN leases l ON l.number = n.e164 AND l.ended_at IS NULL`;

function toNumber(row: Row, now: number): PoolNumber {
  return {
    e164: row.e164,
    country: row.country,
    region: row.region,
    carrier: row.carrier,
    capabilities: JSON.parse(row.capabilities) as Capability[],
    reserved: row.reserved === 1,
    state: row.shown_state as NumberState,
    lease: row.lease_id !== null && row.lease_expires_at! > now ? { id: row.lease_id, account: row.lease_account!, expiresAt: row.lease_expires_at! } : null,
    coolingUntil: row.cooling_until !== null && row.cooling_until > now ? row.cooling_until : null,
    leaseCount: row.lease_count,
    lastUsedAt: row.last_used_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const usage = (message: string) => new GatewayError('USAGE', message);

/** Lists at most this many lines per unknown carrier in a warning; the count says the rest. */
const WARNING_LINES = 10;

export class NumberPool {
  readonly #db: Database;
  readonly #now: () => number;
  readonly #select: Statement<[string], { state: string }>;
  readonly #shown: Statement<{ e164: string; now: number }, Row>;

  constructor(db: Database, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    this.#select = db.prepare('SELECT state FROM numbers WHERE e164 = ?');
    this.#shown = db.prepare(`SELECT * FROM (${NUMBERS_AS_SHOWN}) WHERE e164 = @e164`);
  }

  /**
   * Imports a CSV file's numbers, all or none (see the module's policy). `source` names the
   * file in the error; `knownCarriers` are the configuration's carrier names.
   */
  import(csv: string, opts: { source: string; knownCarriers: readonly string[] }): ImportResult {
    const { rows, problems } = parseNumberCsv(csv);
    const insert = this.#db.prepare(
      `INSERT INTO numbers (e164, country, region, carrier, capabilities, reserved, state, created_at, updated_at)
       VALUES (@e164, @country, @region, @carrier, @capabilities, @reserved, 'available', @now, @now)`,
    );
    // IMMEDIATE: the write lock is taken before the "already in the pool" check, so an import
    // running at the same time cannot slip a number in between the check and the insert.
    const write = this.#db.transaction(() => {
      const inPool = [...problems];
      for (const row of rows) {
        const existing = this.#select.get(row.e164);
        if (existing !== undefined) {
          inPool.push({ line: row.line, column: 'e164', message: `${row.e164} is already in the pool (${existing.state}); remove the row: a number is imported once, and \`maskgate numbers show\` tells its state` });
        }
      }
      if (inPool.length > 0) throw new NumberImportError(opts.source, inPool.sort((a, b) => a.line - b.line));
      const now = this.#now();
      for (const row of rows) {
        const { e164, country, region, carrier } = row;
        insert.run({ e164, country, region, carrier, capabilities: JSON.stringify(row.capabilities), reserved: row.reserved ? 1 : 0, now });
      }
    });
    write.immediate();
    return { imported: rows.length, warnings: unknownCarrierWarnings(rows, opts.knownCarriers) };
  }

  get(e164: string): PoolNumber | undefined {
    const normalised = normaliseE164(e164);
    const now = this.#now();
    const row = normalised === null ? undefined : this.#shown.get({ e164: normalised, now });
    return row === undefined ? undefined : toNumber(row, now);
  }

  /** The pool number or a USAGE error saying how to find the right one. */
  require(e164: string): PoolNumber {
    const found = this.get(e164);
    if (found === undefined) {
      const why = normaliseE164(e164) === null ? 'is not a valid E.164 number (give + and digits, e.g. +998712001234)' : 'is not in the pool';
      throw usage(`${JSON.stringify(e164)} ${why}; \`maskgate numbers list\` shows the pool`);
    }
    return found;
  }

  /**
   * Numbers matching every given filter, by number. Country and region match ignoring case;
   * the state is the shown one (see the policy).
   */
  list(filter: NumberFilter = {}): PoolNumber[] {
    if (filter.state !== undefined && !NUMBER_STATES.includes(filter.state)) {
      throw usage(`state: must be one of ${NUMBER_STATES.join(', ')}, got ${JSON.stringify(filter.state)}`);
    }
    if (filter.country !== undefined && !/^[a-z]{2}$/i.test(filter.country)) {
      throw usage(`country: give an ISO 3166-1 alpha-2 code such as UZ, got ${JSON.stringify(filter.country)}`);
    }
    const params = { country: filter.country?.toUpperCase(), region: filter.region, carrier: filter.carrier, state: filter.state };
    const conditions = { country: 'country = @country', region: 'region = @region COLLATE NOCASE', carrier: 'carrier = @carrier', state: 'shown_state = @state' };
    const given = (Object.keys(params) as (keyof typeof params)[]).filter((k) => params[k] !== undefined);
    const where = given.map((k) => conditions[k]);
    const sql = `SELECT * FROM (${NUMBERS_AS_SHOWN})${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY e164`;
    const now = this.#now();
    return (this.#db.prepare(sql).all({ now, ...Object.fromEntries(given.map((k) => [k, params[k]])) }) as Row[]).map((row) => toNumber(row, now));
  }

  /**
   * How many numbers each pool (numbers of one country at one hosting carrier) has in each
   * shown state: the read-out of the API and the pool gauges of /metrics. One grouped scan.
   */
  availability(): PoolAvailability[] {
    const rows = this.#db
      .prepare(`SELECT country, carrier, shown_state AS state, count(*) AS n FROM (${NUMBERS_AS_SHOWN}) GROUP BY country, carrier, shown_state ORDER BY country, carrier`)
      .all({ now: this.#now() }) as { country: string; carrier: string; state: NumberState; n: number }[];
    const pools = new Map<string, PoolAvailability>();
    for (const r of rows) {
      const key = `${r.country}/${r.carrier}`;
      let pool = pools.get(key);
      if (!pool) pools.set(key, (pool = { country: r.country, carrier: r.carrier, total: 0, byState: Object.fromEntries(NUMBER_STATES.map((s) => [s, 0])) as Record<NumberState, number> }));
      pool.byState[r.state] = r.n;
      pool.total += r.n;
    }
    return [...pools.values()];
  }

  /** Applies an operator's state change, or refuses it naming the number's current state. */
  change(e164: string, action: StateChange): PoolNumber {
    const current = this.require(e164);
    const { from, to, refusal } = TRANSITIONS[action];
    const { changes } = this.#db
      .prepare(`UPDATE numbers SET state = ?, updated_at = ? WHERE e164 = ? AND state IN (${from.map(() => '?').join(', ')})`)
      .run(to, this.#now(), current.e164, ...from);
    if (changes === 0) {
      const now = this.require(current.e164);
      throw usage(`cannot ${action} ${now.e164}: it is ${now.state}, and ${refusal}`);
    }
    return this.require(current.e164);
  }
}

/** One warning per carrier the configuration does not name, with the lines that use it. */
function unknownCarrierWarnings(rows: readonly { line: number; carrier: string }[], knownCarriers: readonly string[]): string[] {
  const linesByCarrier = new Map<string, number[]>();
  for (const { line, carrier } of rows) {
    if (knownCarriers.includes(carrier)) continue;
    linesByCarrier.set(carrier, [...(linesByCarrier.get(carrier) ?? []), line]);
  }
  const known = knownCarriers.length > 0 ? `the configuration has ${knownCarriers.join(', ')}` : 'the configuration has no carriers';
  return [...linesByCarrier].map(([carrier, lines]) => {
    const shown = lines.slice(0, WARNING_LINES).join(', ') + (lines.length > WARNING_LINES ? ` and ${lines.length - WARNING_LINES} more` : '');
    return `carrier ${JSON.stringify(carrier)} (line${lines.length > 1 ? 's' : ''} ${shown}) is not in the configuration (${known}); imported anyway, but MO to and MT from these numbers need that carrier configured`;
  });
}
