/**
 * Opens one SQLite store (the routing store or the contact store) and brings it to the schema
 * this maskgate knows, or refuses with the reason and the fix. In order:
 *
 * 1. pragmas: WAL, synchronous FULL (or NORMAL plus the caller's own sync), foreign keys,
 *    a busy timeout, secure delete;
 * 2. a store from a newer maskgate (PRAGMA user_version above our last migration) is refused
 *    before anything is written to it;
 * 3. the master keys are checked against the key check values the store keeps per key
 *    version (key-checks.ts), so a wrong key stops start-up here rather than as records that
 *    fail to decrypt later; the HMAC keys the store keeps sealed are made if missing
 *    (store-secrets.ts);
 * 4. pending migrations run in order, each in its own transaction that also bumps
 *    user_version, so a failed migration leaves the store exactly at the version before it.
 *
 * The framework owns the `meta` table (key checks, sealed secrets, creation time, the
 * daemon's sealing announcement of sealing-handshake.ts). It is created by a bootstrap
 * step before migration 1 and is not part of the numbered versions: store migrations neither
 * create nor alter it. Migration `up` code must not BEGIN or COMMIT itself.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { GatewayError } from '../errors.js';
import type { MasterKeys } from '../keys/key-file.js';
import { checkStoreKeys } from './key-checks.js';
import { ensureStoreSecrets, type StoreSecret } from './store-secrets.js';

export type Database = SQLite.Database;

export interface Migration {
  /** 1..N, contiguous, in array order. */
  version: number;
  description: string;
  up: string | ((db: Database) => void);
}

export interface OpenDatabaseOptions {
  /** A file path, or ':memory:' in tests. */
  path: string;
  /** What the store is called in messages, e.g. 'routing store'. */
  name: string;
  migrations: readonly Migration[];
  /** The master keys by version (keys/key-file.ts); a lone key is version 1 (tests, one-key stores). */
  masterKey: Buffer | MasterKeys;
  /** HMAC keys the store keeps sealed in its meta table (store-secrets.ts). */
  secrets?: readonly StoreSecret[];
  /**
   * The caller makes commits durable itself, off the event loop (wal-sync.ts): the
   * connection runs synchronous = NORMAL. Default: FULL, every commit fsynced by SQLite.
   */
  syncOffLoop?: boolean;
}

const META_TABLE = 'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)';

export function openDatabase(opts: OpenDatabaseOptions): Database {
  assertNumbered(opts);
  let db: Database | undefined;
  try {
    if (opts.path !== ':memory:') mkdirSync(path.dirname(opts.path), { recursive: true, mode: 0o700 });
    db = new SQLite(opts.path);
    configure(db, opts.syncOffLoop === true);
    refuseNewer(db, opts);
    checkKeys(db, opts);
    migrate(db, opts);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof GatewayError) throw err;
    throw new GatewayError(
      'STORE_FAILED',
      `${opts.name} ${opts.path} cannot be opened (${describe(err)}); check that it is a maskgate ${opts.name} file and that maskgate may read and write it and its directory`,
      { cause: err },
    );
  }
}

/** A programming error, caught by the first test that opens the store. */
function assertNumbered({ name, migrations }: OpenDatabaseOptions): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new GatewayError('INTERNAL', `${name}: migration #${i + 1} ("${m.description}") has version ${m.version}; versions must run 1..N in order`);
    }
  });
}

function configure(db: Database, syncOffLoop: boolean): void {
  // Wait for another process's write lock (the CLI beside the daemon) rather than fail at once.
  db.pragma('busy_timeout = 5000');
  // Readers never block the writer and a commit is one append to the log.
  db.pragma('journal_mode = WAL');
  // FULL syncs the log at every commit, so an acknowledged submit survives a power cut (NORMAL
  // may lose the last commits). The cost is one fsync per transaction; group commit upstream
  // (stores.groupCommit) puts a burst of messages in one transaction to amortise it. The
  // daemon does that fsync itself off the event loop (wal-sync.ts) and asks for NORMAL.
  db.pragma(syncOffLoop ? 'synchronous = NORMAL' : 'synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Deleted and overwritten content is zeroed in the page, not merely unlinked: a purged body
  // (retention), a forgotten contact's sealed number and its blind index must not linger in
  // free space where a copy of the file would still show them. Per connection, so every
  // process that opens a store (daemon and CLI) gets it. The pages written are the ones
  // being written anyway; the cost is the zeroing and freed overflow pages written once.
  db.pragma('secure_delete = ON');
}

function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function refuseNewer(db: Database, { name, path: file, migrations }: OpenDatabaseOptions): void {
  const version = userVersion(db);
  if (version > migrations.length) {
    throw new GatewayError(
      'STORE_TOO_NEW',
      `${name} ${file} has schema version ${version}, but this maskgate knows versions up to ${migrations.length}: run a newer maskgate, or restore a backup made by this version`,
    );
  }
}

function checkKeys(db: Database, opts: OpenDatabaseOptions): void {
  const masters: MasterKeys = Buffer.isBuffer(opts.masterKey) ? new Map([[1, opts.masterKey]]) : opts.masterKey;
  // IMMEDIATE: two processes creating the store at once must not both record keys.
  db.transaction(() => {
    db.exec(META_TABLE);
    const newStore = checkStoreKeys(db, { name: opts.name, file: opts.path, masters, migrated: userVersion(db) > 0 });
    if (newStore) db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('created_at', new Date().toISOString());
    ensureStoreSecrets(db, opts.secrets ?? [], masters, newStore);
  }).immediate();
}

function migrate(db: Database, { name, path: file, migrations }: OpenDatabaseOptions): void {
  for (const m of migrations) {
    if (m.version <= userVersion(db)) continue;
    const apply = db.transaction(() => {
      // Another process may have applied it while this one waited for the write lock.
      if (m.version <= userVersion(db)) return;
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      apply.immediate();
    } catch (err) {
      throw new GatewayError(
        'STORE_FAILED',
        `${name} ${file}: migration ${m.version} (${m.description}) failed (${describe(err)}); the store stays at schema version ${m.version - 1}`,
        { cause: err },
      );
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof SQLite.SqliteError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}
