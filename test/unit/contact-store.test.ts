import test from 'ava';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/loader.js';
import { GatewayError } from '../../src/errors.js';
import { deriveKey } from '../../src/keys/master-key.js';
import { ContactStore, deriveContactKeys } from '../../src/numbers/contact-store.js';
import { CONTACT_MIGRATIONS } from '../../src/store/contact-schema.js';
import { openContactStore } from '../../src/store/contact-store.js';
import { openDatabase } from '../../src/store/database.js';
import { testNumber } from '../helpers/esme.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('contact-store');
let stores = 0;

/** A configuration of its own contact store file, with a master key file made on first open. */
function configFor(opts: { store?: string; keyFile?: string } = {}): { file: string; store: string } {
  const n = stores++;
  const store = opts.store ?? `contacts-${n}.db`;
  const file = files.write(`keys:\n  masterKeyFile: ./${opts.keyFile ?? `master-${n}.key`}\n  createIfMissing: true\nstores:\n  routing:\n    path: ./routing-${n}.db\n  contacts:\n    path: ./${store}\n`);
  return { file, store };
}

function openStore(t: { teardown(fn: () => void): void }, opts: { store?: string; keyFile?: string } = {}) {
  const { file, store } = configFor(opts);
  const opened = openContactStore(loadConfig(file));
  t.teardown(() => opened.db.close());
  return { ...opened, store: path.join(files.dir, store) };
}

/** A contact store on :memory:, with keys made by hand (to stand in for a rotation). */
function memoryStore(masterKey: Buffer, keys = deriveContactKeys(masterKey)) {
  const db = openDatabase({ path: ':memory:', name: 'contact store', migrations: CONTACT_MIGRATIONS, masterKey });
  return { db, contacts: new ContactStore({ db, keys }) };
}

test('a contact opens to the real number it was made for, in E.164', (t) => {
  const { contacts } = openStore(t);
  const number = testNumber();
  const id = contacts.contactFor(number);
  t.regex(id, /^[0-9a-f]{32}$/);
  t.is(contacts.realNumber(id), `+${number}`);
  t.is(contacts.realNumber('0'.repeat(32)), undefined, 'an unknown contact id has no number');
});

test('contactFor is idempotent: one number, one contact, whatever its spelling', (t) => {
  const { contacts } = openStore(t);
  const id = contacts.contactFor('+998901234567');
  t.is(contacts.contactFor('998901234567'), id);
  t.is(contacts.contactFor('+998901234567'), id);
  const other = contacts.contactFor('+998901234568');
  t.not(other, id, 'another number is another contact');
  t.is(contacts.realNumber(other), '+998901234568');
});

test('a contact survives reopening the store, and the same number still finds it', (t) => {
  const keyFile = `master-reopen.key`;
  const store = 'contacts-reopen.db';
  const number = testNumber();
  const first = openContactStore(loadConfig(configFor({ store, keyFile }).file));
  const id = first.contacts.contactFor(number);
  first.db.close();
  const { contacts } = openStore(t, { store, keyFile });
  t.is(contacts.contactFor(number), id);
  t.is(contacts.realNumber(id), `+${number}`);
});

test('the blind index is stable, the same for both spellings, and neither the number nor its digits', (t) => {
  const masterKey = randomBytes(32);
  const a = memoryStore(masterKey);
  const b = memoryStore(masterKey);
  t.teardown(() => {
    a.db.close();
    b.db.close();
  });
  const number = testNumber();
  const index = a.contacts.blindIndex(number);
  t.regex(index, /^[0-9a-f]{64}$/);
  t.is(a.contacts.blindIndex(`+${number}`), index);
  t.is(b.contacts.blindIndex(number), index, 'another store under the same key computes the same index');
  t.false(index.includes(number));
  t.false(index.includes(number.slice(-7)));
  t.not(a.contacts.blindIndex(testNumber(Number(number.slice(-7)) + 1)), index, 'a neighbouring number has another index');
  const other = memoryStore(randomBytes(32));
  t.teardown(() => other.db.close());
  t.not(other.contacts.blindIndex(number), index, 'another master key, another index');
});

test('the store file holds no real number in plain digits', (t) => {
  const { db, contacts, store } = openStore(t);
  const numbers = Array.from({ length: 20 }, (_, i) => testNumber(1_000_000 + i * 7_919));
  const ids = numbers.map((n) => contacts.contactFor(n));
  db.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = readFileSync(store);
  for (const n of numbers) {
    t.is(bytes.indexOf(n), -1, `number ending ${n.slice(-3)} is in the file`);
    t.is(bytes.indexOf(n.slice(3)), -1, 'nor its national digits');
  }
  t.not(bytes.indexOf(ids[0]!), -1, 'the file is readable, so the search above could have found them');
});

test('a contact store created under another master key refuses to open, with the fix', (t) => {
  const store = 'contacts-wrong-key.db';
  openStore(t, { store, keyFile: 'right.key' }).contacts.contactFor(testNumber());
  const err = t.throws(() => openContactStore(loadConfig(configFor({ store, keyFile: 'wrong.key' }).file)), { instanceOf: GatewayError });
  t.is(err.code, 'KEY_MISMATCH');
  t.true(err.message.startsWith(`contact store ${path.join(files.dir, store)} was created with a different master key`));
  t.true(err.message.includes('point keys.masterKeyFile/masterKeyEnv at the key it was created with'));
});

test('a bad number is refused as BAD_DESTINATION, naming at most its last 3 digits', (t) => {
  const { contacts } = openStore(t);
  const bad = ['99890123', '+000123456789', '998 90 123 45 67', '00998901234567', '+99890123456789012', 'abc', '', '12'];
  for (const raw of bad) {
    for (const call of [() => contacts.contactFor(raw), () => contacts.blindIndex(raw)]) {
      const err = t.throws(call, { instanceOf: GatewayError });
      t.is(err.code, 'BAD_DESTINATION');
      t.true(err.message.includes('is not a valid E.164 phone number'));
      const digits = raw.replace(/\D/g, '');
      // No run of 4 or more of its digits appears: the last 3 at most.
      for (let at = 0; at + 4 <= digits.length; at++) t.false(err.message.includes(digits.slice(at, at + 4)), `error quotes digits of ${JSON.stringify(raw)}`);
    }
  }
  const err = t.throws(() => contacts.contactFor('99890123'));
  t.true(err.message.startsWith('the number ending in …123 '));
  t.true(t.throws(() => contacts.contactFor('12')).message.startsWith('the number given '), 'a number of 3 digits or fewer is not quoted at all');
});

test('a sealed number moved to another contact fails to open rather than showing under that id', (t) => {
  const { db, contacts } = memoryStore(randomBytes(32));
  t.teardown(() => db.close());
  const a = contacts.contactFor(testNumber(1));
  const b = contacts.contactFor(testNumber(2));
  db.prepare('UPDATE contacts SET number = (SELECT number FROM contacts WHERE id = ?) WHERE id = ?').run(a, b);
  t.is(t.throws(() => contacts.realNumber(b), { instanceOf: GatewayError }).code, 'KEY_MISMATCH');
  t.is(contacts.realNumber(a), `+${testNumber(1)}`);
});

test('numbers sealed under an older key version stay readable once a newer one seals', (t) => {
  const masterKey = randomBytes(32);
  const v1 = deriveContactKeys(masterKey);
  const v2Key = deriveKey(masterKey, 'contacts', 2);
  const { db, contacts: before } = memoryStore(masterKey, v1);
  t.teardown(() => db.close());
  const old = before.contactFor(testNumber(10));
  const after = new ContactStore({ db, keys: { ...v1, current: { version: 2, key: v2Key }, keyFor: (v) => (v === 2 ? v2Key : v1.keyFor(v)) } });
  const fresh = after.contactFor(testNumber(11));
  t.is(after.realNumber(old), `+${testNumber(10)}`);
  t.is(after.realNumber(fresh), `+${testNumber(11)}`);
  t.is(after.contactFor(testNumber(10)), old, 'the blind index does not change with the contacts key');
  const versions = db.prepare('SELECT id, key_version FROM contacts ORDER BY key_version').all();
  t.deepEqual(versions, [{ id: old, key_version: 1 }, { id: fresh, key_version: 2 }]);
  t.is(t.throws(() => before.realNumber(fresh), { instanceOf: GatewayError }).code, 'KEY_MISSING', 'a process without version 2 cannot open it');
});
