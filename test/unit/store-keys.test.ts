/**
 * What a store keeps of its keys in `meta` (store/key-checks.ts, store/store-secrets.ts): a
 * key check per master key version, and HMAC keys sealed under the current version.
 */
import test from 'ava';
import SQLite from 'better-sqlite3';
import path from 'node:path';
import { GatewayError } from '../../src/errors.js';
import { deriveKey, keyCheckValue } from '../../src/keys/master-key.js';
import { openDatabase, type Migration } from '../../src/store/database.js';
import { dropKeyChecksExcept, recordKeyCheck } from '../../src/store/key-checks.js';
import { readStoreSecret } from '../../src/store/store-secrets.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('store-keys');
const MIGRATIONS: Migration[] = [{ version: 1, description: 't', up: 'CREATE TABLE t (v INTEGER)' }];
const K1 = Buffer.alloc(32, 1);
const K2 = Buffer.alloc(32, 2);
const OTHER = Buffer.alloc(32, 9);
let n = 0;

const freshPath = () => path.join(files.dir, `s${n++}.db`);
const open = (file: string, masterKey: Buffer | Map<number, Buffer>, secrets?: ['mo-parts']) => openDatabase({ path: file, name: 'routing store', migrations: MIGRATIONS, masterKey, secrets });
const opens = (file: string, masterKey: Buffer | Map<number, Buffer>) => open(file, masterKey).close();
function refusal(file: string, masterKey: Map<number, Buffer>): GatewayError {
  try {
    opens(file, masterKey);
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('the store opened');
}
const checks = (file: string) => {
  const db = new SQLite(file, { readonly: true });
  try {
    return Object.fromEntries(db.prepare("SELECT key, value FROM meta WHERE key GLOB 'key_check*' ORDER BY key").all().map((r) => [(r as { key: string }).key, (r as { value: string }).value]));
  } finally {
    db.close();
  }
};

test('a new store records the check of every version loaded', (t) => {
  const file = freshPath();
  opens(file, new Map([[1, K1], [2, K2]]));
  t.deepEqual(checks(file), { 'key_check:v1': keyCheckValue(K1), 'key_check:v2': keyCheckValue(K2) });
});

test('a store made before key versions (one key_check row) is version 1', (t) => {
  const file = freshPath();
  opens(file, K1);
  const raw = new SQLite(file);
  raw.prepare("UPDATE meta SET key = 'key_check' WHERE key = 'key_check:v1'").run();
  raw.close();
  opens(file, K1);
  opens(file, new Map([[1, K1], [2, K2]]));
  t.deepEqual(checks(file), { key_check: keyCheckValue(K1) }, 'an open records nothing for version 2');
  t.is(refusal(file, new Map([[1, OTHER]])).code, 'KEY_MISMATCH');
});

test('every loaded version the store knows must match: a wrong key under a known version is refused', (t) => {
  const file = freshPath();
  opens(file, new Map([[1, K1], [2, K2]]));
  const err = refusal(file, new Map([[1, K1], [2, OTHER]]));
  t.is(err.code, 'KEY_MISMATCH');
  t.regex(err.message, /was created with a different master key \(the loaded key of version 2 is not the one it knows\): point keys.masterKeyFile\/masterKeyEnv at the key/);
});

test('keys sharing no version with the store are refused: after a rotation, the old key alone opens nothing', (t) => {
  const file = freshPath();
  opens(file, K1);
  const db = new SQLite(file);
  recordKeyCheck(db, 2, K2);
  dropKeyChecksExcept(db, 2);
  db.close();
  t.deepEqual(checks(file), { 'key_check:v2': keyCheckValue(K2) });
  const err = refusal(file, new Map([[1, K1]]));
  t.is(err.code, 'KEY_MISMATCH');
  t.regex(err.message, /belongs to master key version\(s\) 2, and the keys loaded are version\(s\) 1: these are keys a rotation retired/);
  opens(file, new Map([[2, K2]]));
  opens(file, new Map([[2, K2], [3, OTHER]]));
});

test('a store secret is random in a new store, sealed under the current version, and the same at every open', (t) => {
  const file = freshPath();
  const keys = new Map([[1, K1], [2, K2]]);
  const db = open(file, keys, ['mo-parts']);
  const keyFor = (v: number) => (keys.has(v) ? deriveKey(keys.get(v)!, 'store-secrets', v) : undefined);
  const secret = readStoreSecret(db, 'mo-parts', keyFor);
  db.close();
  t.is(secret.length, 32);
  t.notDeepEqual(secret, deriveKey(K1, 'mo-parts', 1));
  const again = open(file, keys, ['mo-parts']);
  t.teardown(() => again.close());
  t.deepEqual(readStoreSecret(again, 'mo-parts', keyFor), secret);
  const sealed = again.prepare("SELECT value FROM meta WHERE key = 'secret:mo-parts'").pluck().get() as Buffer;
  t.is(sealed.readUInt32BE(1), 2, 'sealed under the current version');
  t.false(sealed.includes(secret), 'never in the clear');
});

test('a store made before secrets were kept gets the value version 1 derived, so nothing changes for it', (t) => {
  const file = freshPath();
  opens(file, K1); // no secrets asked for: what a store of an earlier maskgate is
  const db = open(file, new Map([[1, K1], [2, K2]]), ['mo-parts']);
  t.teardown(() => db.close());
  t.deepEqual(readStoreSecret(db, 'mo-parts', (v) => deriveKey(v === 1 ? K1 : K2, 'store-secrets', v)), deriveKey(K1, 'mo-parts', 1));
});
