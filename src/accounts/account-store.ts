/**
 * Upstream accounts in the routing store (schema: migration 2 of store/routing-schema.ts).
 * Writes are rare (the operator's CLI), so they are synchronous, outside the group commit;
 * reads are one prepared statement, cheap enough for every bind.
 *
 * Everything is validated here, before it is written, so a bad value fails at `accounts add`
 * with the field and the fix rather than at a client's bind. Passwords arrive in plain text
 * only to be hashed (password.ts); the hash never leaves this module except to the
 * directory's credential check.
 */
import SQLite, { type Database, type Statement } from 'better-sqlite3';
import type { Config } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import { parseCidr } from './cidr.js';
import { checkPassword, hashPassword } from './password.js';
import type { Account, AccountBindMode } from './types.js';

/** What an operator sets on an account: everything but its id and password. */
export type AccountFields = Omit<Account, 'systemId'>;

export interface StoredAccount extends Account {
  createdAt: number;
  updatedAt: number;
}

export type AccountDefaults = Pick<Config['accountDefaults'], 'bindModes' | 'maxBinds' | 'throughputMsgPerSec' | 'maxQueued'>;

const BIND_MODES: readonly AccountBindMode[] = ['transmitter', 'receiver', 'transceiver'];
// E.164 numbers have at most 15 digits, so a longer prefix could match nothing.
const MAX_PREFIX_DIGITS = 15;

interface Row {
  system_id: string;
  password_hash: string;
  enabled: number;
  bind_modes: string;
  allowed_sources: string;
  max_binds: number;
  throughput_msg_per_sec: number;
  max_queued: number;
  mo_prefixes: string;
  dlr_over_smpp: number;
  created_at: number;
  updated_at: number;
}

const usage = (message: string) => new GatewayError('USAGE', message);

/** Drops keys set to undefined, so a patch built from optional flags changes only what was given. */
function defined(fields: Partial<AccountFields>): Partial<AccountFields> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<AccountFields>;
}

/** SMPP 3.4 §5.2.1: a C-Octet String of up to 16 octets with its NUL. */
export function checkSystemId(systemId: string): void {
  if (!/^[\x21-\x7e]{1,15}$/.test(systemId)) {
    throw usage(
      `system_id: must be 1 to 15 printable ASCII characters without spaces, got ${JSON.stringify(systemId)} (${systemId.length} characters); SMPP 3.4 limits system_id to 15 characters (§5.2.1)`,
    );
  }
}

function checkFields(fields: Partial<AccountFields>): void {
  const { bindModes, allowedSources, maxBinds, throughputMsgPerSec, maxQueued, moPrefixes } = fields;
  if (bindModes !== undefined) {
    const unknown = bindModes.filter((m) => !BIND_MODES.includes(m));
    if (bindModes.length === 0 || unknown.length > 0) {
      throw usage(`bindModes: must be one or more of ${BIND_MODES.join(', ')}${unknown.length > 0 ? `, got ${unknown.join(', ')}` : ''}`);
    }
  }
  for (const source of allowedSources ?? []) {
    const parsed = parseCidr(source);
    if (typeof parsed === 'string') {
      throw usage(`allowedSources: ${JSON.stringify(source)} ${parsed}; give an IPv4 or IPv6 address or a CIDR block such as 192.0.2.0/24 or 2001:db8::/32`);
    }
  }
  const whole = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw usage(`${name}: must be a whole number ≥ 1, got ${v}`);
  };
  whole('maxBinds', maxBinds);
  whole('maxQueued', maxQueued);
  if (throughputMsgPerSec !== undefined && !(Number.isFinite(throughputMsgPerSec) && throughputMsgPerSec > 0)) {
    throw usage(`throughputMsgPerSec: must be a number > 0 (messages per second), got ${throughputMsgPerSec}`);
  }
  for (const prefix of moPrefixes ?? []) {
    if (!new RegExp(`^\\d{1,${MAX_PREFIX_DIGITS}}$`).test(prefix)) {
      throw usage(`moPrefixes: ${JSON.stringify(prefix)} must be 1 to ${MAX_PREFIX_DIGITS} digits, without + or spaces (e.g. 99890)`);
    }
  }
}

function toAccount(row: Row): StoredAccount {
  return {
    systemId: row.system_id,
    enabled: row.enabled === 1,
    bindModes: JSON.parse(row.bind_modes) as AccountBindMode[],
    allowedSources: JSON.parse(row.allowed_sources) as string[],
    maxBinds: row.max_binds,
    throughputMsgPerSec: row.throughput_msg_per_sec,
    maxQueued: row.max_queued,
    moPrefixes: JSON.parse(row.mo_prefixes) as string[],
    dlrOverSmpp: row.dlr_over_smpp === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toColumns(a: AccountFields) {
  return {
    enabled: a.enabled ? 1 : 0,
    bind_modes: JSON.stringify([...new Set(a.bindModes)]),
    allowed_sources: JSON.stringify([...new Set(a.allowedSources.map((s) => s.trim()))]),
    max_binds: a.maxBinds,
    throughput_msg_per_sec: a.throughputMsgPerSec,
    max_queued: a.maxQueued,
    mo_prefixes: JSON.stringify([...new Set(a.moPrefixes)]),
    dlr_over_smpp: a.dlrOverSmpp ? 1 : 0,
  };
}

export class AccountStore {
  readonly #db: Database;
  readonly #defaults: AccountDefaults;
  readonly #select: Statement<[string], Row>;
  readonly #owners: Statement<[], Pick<Row, 'system_id' | 'mo_prefixes'>>;

  constructor(db: Database, defaults: AccountDefaults) {
    this.#db = db;
    this.#defaults = defaults;
    this.#select = db.prepare('SELECT * FROM accounts WHERE system_id = ?');
    this.#owners = db.prepare(`SELECT system_id, mo_prefixes FROM accounts WHERE mo_prefixes <> '[]' ORDER BY system_id`);
  }

  /** Creates an account; fields not given take the configuration's accountDefaults. */
  async add(systemId: string, password: string, fields: Partial<AccountFields> = {}): Promise<StoredAccount> {
    checkSystemId(systemId);
    checkPassword(password);
    checkFields(fields);
    // Checked before the hash, so a duplicate costs no scrypt; the insert still catches a race.
    if (this.get(systemId) !== undefined) throw this.#duplicate(systemId);
    this.#checkPrefixesFree(systemId, fields.moPrefixes);
    const account: AccountFields = {
      enabled: true,
      bindModes: [...this.#defaults.bindModes],
      allowedSources: [],
      maxBinds: this.#defaults.maxBinds,
      throughputMsgPerSec: this.#defaults.throughputMsgPerSec,
      maxQueued: this.#defaults.maxQueued,
      moPrefixes: [],
      dlrOverSmpp: true,
      ...defined(fields),
    };
    const hash = await hashPassword(password);
    const now = Date.now();
    try {
      this.#db
        .prepare(
          `INSERT INTO accounts (system_id, password_hash, enabled, bind_modes, allowed_sources, max_binds, throughput_msg_per_sec,
             max_queued, mo_prefixes, dlr_over_smpp, created_at, updated_at)
           VALUES (@system_id, @password_hash, @enabled, @bind_modes, @allowed_sources, @max_binds, @throughput_msg_per_sec,
             @max_queued, @mo_prefixes, @dlr_over_smpp, @now, @now)`,
        )
        .run({ system_id: systemId, password_hash: hash, now, ...toColumns(account) });
    } catch (err) {
      if (err instanceof SQLite.SqliteError && err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw this.#duplicate(systemId);
      throw err;
    }
    return this.#require(systemId);
  }

  get(systemId: string): StoredAccount | undefined {
    const row = this.#select.get(systemId);
    return row === undefined ? undefined : toAccount(row);
  }

  /** The account and its password hash, for the bind check only. */
  credentials(systemId: string): { account: StoredAccount; passwordHash: string } | undefined {
    const row = this.#select.get(systemId);
    return row === undefined ? undefined : { account: toAccount(row), passwordHash: row.password_hash };
  }

  list(): StoredAccount[] {
    return (this.#db.prepare('SELECT * FROM accounts ORDER BY system_id').all() as Row[]).map(toAccount);
  }

  /**
   * The account an MO to `destination` belongs to: the one whose moPrefixes has the longest
   * prefix of it (an aggregator may own 99890 and hand 9989012 to one client). Read from the
   * table each time, so a change by the CLI (another process) applies to the next MO.
   */
  moOwner(destination: string): string | undefined {
    const digits = destination.startsWith('+') ? destination.slice(1) : destination;
    let owner: string | undefined;
    let longest = 0;
    for (const { system_id, mo_prefixes } of this.#owners.all()) {
      for (const prefix of JSON.parse(mo_prefixes) as string[]) {
        if (prefix.length > longest && digits.startsWith(prefix)) {
          owner = system_id;
          longest = prefix.length;
        }
      }
    }
    return owner;
  }

  /** Changes the given fields only; the next bind and submit see them. */
  update(systemId: string, patch: Partial<AccountFields>): StoredAccount {
    checkFields(patch);
    const current = this.#require(systemId);
    this.#checkPrefixesFree(systemId, patch.moPrefixes);
    const next: AccountFields = { ...current, ...defined(patch) };
    this.#db
      .prepare(
        `UPDATE accounts SET enabled = @enabled, bind_modes = @bind_modes, allowed_sources = @allowed_sources, max_binds = @max_binds,
           throughput_msg_per_sec = @throughput_msg_per_sec, max_queued = @max_queued, mo_prefixes = @mo_prefixes,
           dlr_over_smpp = @dlr_over_smpp, updated_at = @now
         WHERE system_id = @system_id`,
      )
      .run({ system_id: systemId, now: Date.now(), ...toColumns(next) });
    return this.#require(systemId);
  }

  async setPassword(systemId: string, password: string): Promise<void> {
    checkPassword(password);
    this.#require(systemId);
    const hash = await hashPassword(password);
    const { changes } = this.#db
      .prepare('UPDATE accounts SET password_hash = ?, updated_at = ? WHERE system_id = ?')
      .run(hash, Date.now(), systemId);
    if (changes === 0) throw this.#unknown(systemId); // removed while hashing
  }

  disable(systemId: string): StoredAccount {
    return this.update(systemId, { enabled: false });
  }

  enable(systemId: string): StoredAccount {
    return this.update(systemId, { enabled: true });
  }

  remove(systemId: string): void {
    const { changes } = this.#db.prepare('DELETE FROM accounts WHERE system_id = ?').run(systemId);
    if (changes === 0) throw this.#unknown(systemId);
  }

  /** An MO number has one owner: the same prefix on two accounts would make MO routing a coin toss. */
  #checkPrefixesFree(systemId: string, prefixes: readonly string[] | undefined): void {
    if (!prefixes?.length) return;
    for (const { system_id, mo_prefixes } of this.#owners.all()) {
      if (system_id === systemId) continue;
      const taken = prefixes.find((p) => (JSON.parse(mo_prefixes) as string[]).includes(p));
      if (taken !== undefined) {
        throw usage(`moPrefixes: ${taken} already belongs to account ${JSON.stringify(system_id)}; remove it there first, or give a longer prefix (the longest match wins)`);
      }
    }
  }

  #require(systemId: string): StoredAccount {
    const account = this.get(systemId);
    if (account === undefined) throw this.#unknown(systemId);
    return account;
  }

  #unknown(systemId: string): GatewayError {
    return usage(`no account with system_id ${JSON.stringify(systemId)}; \`maskgate accounts list\` shows the accounts there are`);
  }

  #duplicate(systemId: string): GatewayError {
    return usage(`an account with system_id ${JSON.stringify(systemId)} already exists; choose another system_id, or change it with \`maskgate accounts update\``);
  }
}
