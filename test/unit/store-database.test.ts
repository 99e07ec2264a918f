import test, { type ExecutionContext } from 'ava';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { GatewayError } from '../../src/errors.js';
import { keyCheckValue } from '../../src/keys/master-key.js';
import { openDatabase, type Database, type Migration } from '../../src/store/database.js';
import { tempFiles } from '../helpers/temp-files.js';

const dir = tempFiles('store-database').dir;
const KEY = Buffer.alloc(32, 5);
const OTHER_KEY = Buffer.alloc(32, 6);

const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'accounts', up: 'CREATE TABLE accounts (id INTEGER PRIMARY KEY, system_id TEXT NOT NULL UNIQUE)' },
  { version: 2, description: 'messages', up: 'CREATE TABLE messages (id TEXT PRIMARY KEY, account_id INTEGER NOT NULL REFERENCES accounts(id))' },
  {
    version: 3,
    description: 'a default account',
    up: (db) => {
      db.prepare('INSERT INTO accounts (system_id) VALUES (?)').run('default');
    },
  },
];

let count = 0;
/** A path in a fresh subdirectory that does not exist yet: openDatabase must create it. */
function freshPath(): string {
  return path.join(dir, `case-${count++}`, 'routing.db');
}

function open(t: ExecutionContext, file: string, migrations: readonly Migration[] = MIGRATIONS, masterKey = KEY): Database {
  const db = openDatabase({ path: file, name: 'routing store', migrations, masterKey });
  t.teardown(() => db.close());
  return db;
}

function openError(file: string, migrations: readonly Migration[] = MIGRATIONS, masterKey = KEY): GatewayError {
  try {
    openDatabase({ path: file, name: 'routing store', migrations, masterKey }).close();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('openDatabase opened a store it should have refused');
}

/** The `code` of what fn throws (better-sqlite3's SqliteError is not a native Error to ava). */
function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return (err as { code?: unknown }).code;
  }
  return undefined;
}

const userVersion = (db: Database) => db.pragma('user_version', { simple: true });
const tables = (db: Database) => (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);

/** Reads a store with plain better-sqlite3, bypassing openDatabase. */
function raw<T>(file: string, fn: (db: Database) => T): T {
  const db = new SQLite(file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

test('a fresh store gets every migration, user_version N, and the key check in meta', (t) => {
  const file = freshPath();
  const db = open(t, file);
  t.is(userVersion(db), 3);
  t.deepEqual(tables(db), ['accounts', 'messages', 'meta']);
  t.deepEqual(db.prepare('SELECT system_id FROM accounts').pluck().all(), ['default']);
  const meta = new Map((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
  t.is(meta.get('key_check:v1'), keyCheckValue(KEY));
  t.false(Number.isNaN(Date.parse(meta.get('created_at') ?? '')));
  t.is(statSync(path.dirname(file)).mode & 0o777, 0o700);
});

test('the store runs in WAL mode with synchronous FULL and foreign keys on', (t) => {
  const db = open(t, freshPath());
  t.is(db.pragma('journal_mode', { simple: true }), 'wal');
  t.is(db.pragma('synchronous', { simple: true }), 2); // FULL
  t.is(db.pragma('foreign_keys', { simple: true }), 1);
  t.is(db.pragma('busy_timeout', { simple: true }), 5000);
  const orphan = () => db.prepare('INSERT INTO messages (id, account_id) VALUES (?, ?)').run('m1', 999);
  t.is(codeOf(orphan), 'SQLITE_CONSTRAINT_FOREIGNKEY');
});

test('reopening applies only the new migrations', (t) => {
  const file = freshPath();
  openDatabase({ path: file, name: 'routing store', migrations: MIGRATIONS, masterKey: KEY }).close();
  const ran: number[] = [];
  const counting = MIGRATIONS.map((m) => ({ ...m, up: (db: Database) => (ran.push(m.version), typeof m.up === 'string' ? db.exec(m.up) : m.up(db)) }));
  const db = open(t, file, [...counting, { version: 4, description: 'lease ttl', up: () => ran.push(4) }]);
  t.deepEqual(ran, [4]);
  t.is(userVersion(db), 4);
  t.deepEqual(db.prepare('SELECT system_id FROM accounts').pluck().all(), ['default']);
});

test('a migration that throws rolls back and leaves the version before it', (t) => {
  const file = freshPath();
  openDatabase({ path: file, name: 'routing store', migrations: MIGRATIONS.slice(0, 2), masterKey: KEY }).close();
  const failing: Migration = {
    version: 3,
    description: 'half done',
    up: (db) => {
      db.exec('CREATE TABLE leases (id INTEGER PRIMARY KEY)');
      db.prepare('INSERT INTO accounts (system_id) VALUES (?)').run('half');
      throw new Error('disk on fire');
    },
  };
  const err = openError(file, [...MIGRATIONS.slice(0, 2), failing, { version: 4, description: 'never reached', up: 'CREATE TABLE never (x)' }]);
  t.is(err.code, 'STORE_FAILED');
  t.is(err.message, `routing store ${file}: migration 3 (half done) failed (disk on fire); the store stays at schema version 2`);
  raw(file, (db) => {
    t.is(userVersion(db), 2);
    t.deepEqual(tables(db), ['accounts', 'messages', 'meta']);
    t.is(db.prepare('SELECT count(*) FROM accounts').pluck().get(), 0);
  });
  // and the store still opens and migrates once the migration is fixed
  t.is(userVersion(open(t, file)), 3);
});

test('a migration with bad SQL after good statements rolls back all of them', (t) => {
  const file = freshPath();
  const broken: Migration = { version: 1, description: 'broken', up: 'CREATE TABLE good (x); INSERT INTO missing VALUES (1);' };
  const err = openError(file, [broken]);
  t.is(err.code, 'STORE_FAILED');
  t.true(err.message.includes('no such table: missing'), err.message);
  raw(file, (db) => {
    t.is(userVersion(db), 0);
    t.deepEqual(tables(db), ['meta']);
  });
});

test('a store from a newer maskgate is STORE_TOO_NEW, and is left untouched', (t) => {
  const file = freshPath();
  openDatabase({ path: file, name: 'routing store', migrations: MIGRATIONS, masterKey: KEY }).close();
  raw(file, (db) => db.pragma('user_version = 7'));
  const five = [...MIGRATIONS, { version: 4, description: 'd', up: 'CREATE TABLE d (x)' }, { version: 5, description: 'e', up: 'CREATE TABLE e (x)' }];
  const err = openError(file, five);
  t.is(err.code, 'STORE_TOO_NEW');
  t.is(
    err.message,
    `routing store ${file} has schema version 7, but this maskgate knows versions up to 5: run a newer maskgate, or restore a backup made by this version`,
  );
  raw(file, (db) => {
    t.is(userVersion(db), 7);
    t.deepEqual(tables(db), ['accounts', 'messages', 'meta']);
  });
});

test('a store created with another master key is KEY_MISMATCH, before any migration runs', (t) => {
  const file = freshPath();
  openDatabase({ path: file, name: 'routing store', migrations: MIGRATIONS.slice(0, 1), masterKey: KEY }).close();
  const err = openError(file, MIGRATIONS, OTHER_KEY);
  t.is(err.code, 'KEY_MISMATCH');
  t.is(
    err.message,
    `routing store ${file} was created with a different master key: point keys.masterKeyFile/masterKeyEnv at the key it was created with (or restore it); maskgate will not start with the wrong key`,
  );
  raw(file, (db) => t.is(userVersion(db), 1));
  t.is(userVersion(open(t, file)), 3);
});

test('a migrated store whose key check was removed is refused, not re-keyed', (t) => {
  const file = freshPath();
  openDatabase({ path: file, name: 'routing store', migrations: MIGRATIONS, masterKey: KEY }).close();
  raw(file, (db) => db.prepare("DELETE FROM meta WHERE key GLOB 'key_check*'").run());
  const err = openError(file, MIGRATIONS, OTHER_KEY);
  t.is(err.code, 'STORE_FAILED');
  t.true(err.message.includes('no key check value'));
  raw(file, (db) => t.is(db.prepare("SELECT count(*) FROM meta WHERE key GLOB 'key_check*'").pluck().get(), 0));
});

test('a file that is not a database is STORE_FAILED naming the path and the cause', (t) => {
  const file = path.join(dir, 'not-a-db.db');
  writeFileSync(file, 'this is a text file, not an SQLite database\n'.repeat(20));
  const err = openError(file);
  t.is(err.code, 'STORE_FAILED');
  t.true(err.message.startsWith(`routing store ${file} cannot be opened (SQLITE_NOTADB: file is not a database)`), err.message);
});

test('a path under a regular file is STORE_FAILED naming the path', (t) => {
  const blocker = path.join(dir, 'blocker');
  writeFileSync(blocker, '');
  const file = path.join(blocker, 'routing.db');
  const err = openError(file);
  t.is(err.code, 'STORE_FAILED');
  t.true(err.message.startsWith(`routing store ${file} cannot be opened (`), err.message);
});

test('migrations not numbered 1..N are refused before the store is touched', (t) => {
  const file = freshPath();
  const gap = [MIGRATIONS[0], { ...MIGRATIONS[2], version: 3 }] as Migration[];
  const err = openError(file, gap);
  t.is(err.code, 'INTERNAL');
  t.true(err.message.includes('migration #2 ("a default account") has version 3'));
  t.is(codeOf(() => statSync(path.dirname(file))), 'ENOENT');
});

test('an in-memory store works for tests', (t) => {
  const db = open(t, ':memory:');
  t.is(userVersion(db), 3);
  t.is(db.prepare("SELECT value FROM meta WHERE key = 'key_check:v1'").pluck().get(), keyCheckValue(KEY));
});
