/**
 * The pieces of `keys rotate` on a real routing store: re-sealing (store/resealer.ts over
 * store/sealed-columns.ts), its guard, and the daemon's announcement through group commit
 * (store/sealing-handshake.ts).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import path from 'node:path';
import { envelopeKeyVersion } from '../../src/keys/envelope.js';
import { writeMasterKeyFile } from '../../src/keys/key-file.js';
import { KeyRing } from '../../src/keys/key-ring.js';
import { MessageStore } from '../../src/messages/message-store.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { countBelow, guardKeyFloor, resealBelow, unlistedSealed } from '../../src/store/resealer.js';
import { ROUTING_MIGRATIONS } from '../../src/store/routing-schema.js';
import { ROUTING_SEALED, type SealedColumn } from '../../src/store/sealed-columns.js';
import { announceSealing, awaitSealing, readAnnouncement } from '../../src/store/sealing-handshake.js';
import { readStoreSecret } from '../../src/store/store-secrets.js';
import { quietLogger } from '../helpers/esme.js';
import { newMessage } from '../helpers/routing-store.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('resealer');
const K1 = Buffer.alloc(32, 1);
const K2 = Buffer.alloc(32, 2);
const V1 = new KeyRing(new Map([[1, K1]]));
const BOTH = new KeyRing(new Map([[1, K1], [2, K2]]));
const MESSAGES = ROUTING_SEALED.find((c) => c.table === 'messages')!;
const META = ROUTING_SEALED.find((c) => c.table === 'meta')!;
let n = 0;

function openStore(t: { teardown(fn: () => void): void }, file = path.join(files.dir, `r${n++}.db`)) {
  const db = openDatabase({ path: file, name: 'routing store', migrations: ROUTING_MIGRATIONS, masterKey: V1.masters, secrets: ['mo-parts'] });
  t.teardown(() => db.close());
  return db;
}

function messageStore(db: Database, ring: KeyRing) {
  return new MessageStore({ db, keys: ring.keysFor('routing-bodies'), batch: { maxBatch: 256, maxDelayMs: 1, maxPending: 10_000 }, defaultValidityMs: 3_600_000 });
}

const versionsOf = (db: Database, c: SealedColumn) =>
  (db.prepare(`SELECT ${c.column} AS v FROM ${c.table} AS t${c.rows ? ` WHERE ${c.rows('t')}` : ''}`).all() as { v: Buffer }[]).map((r) => envelopeKeyVersion(r.v));

test('every message and the store secret are re-sealed in batches, open under the new version, and a second run finds nothing', async (t) => {
  const db = openStore(t);
  const before = messageStore(db, V1);
  const ids = await Promise.all(Array.from({ length: 10 }, () => before.enqueue(newMessage(), 'UZ')));
  const secret = readStoreSecret(db, 'mo-parts', V1.keysFor('store-secrets').keyFor);
  t.is(countBelow(db, MESSAGES, 2), 10);

  t.is(resealBelow(db, MESSAGES, BOTH.keysFor('routing-bodies'), 2, 3), 10);
  t.is(resealBelow(db, META, BOTH.keysFor('store-secrets'), 2, 3), 1);
  t.deepEqual(new Set(versionsOf(db, MESSAGES)), new Set([2]));
  t.deepEqual(versionsOf(db, META), [2]);
  t.is(countBelow(db, MESSAGES, 2), 0);
  t.is(resealBelow(db, MESSAGES, BOTH.keysFor('routing-bodies'), 2, 3), 0, 'resumable: done rows no longer match');

  const only2 = new KeyRing(new Map([[2, K2]]));
  const after = messageStore(db, only2);
  t.deepEqual(new Set(after.claimDue(Date.now() + 1, 100).map((m) => m.id)), new Set(ids), 'every message opens with version 2 alone');
  t.deepEqual(readStoreSecret(db, 'mo-parts', only2.keysFor('store-secrets').keyFor), secret, 'the secret kept its value');
});

test('a row that does not open stops the re-seal with the table and row, before anything is retired', async (t) => {
  const db = openStore(t);
  const store = messageStore(db, V1);
  const [a, b] = await Promise.all([store.enqueue(newMessage(), 'UZ'), store.enqueue(newMessage(), 'UZ')]);
  db.prepare('UPDATE messages SET content = (SELECT content FROM messages WHERE id = ?) WHERE id = ?').run(a, b);
  const err = t.throws(() => resealBelow(db, MESSAGES, BOTH.keysFor('routing-bodies'), 2, 10));
  t.regex(err?.message ?? '', /messages row \d+ cannot be opened with the keys loaded .*nothing was retired/);
  t.is(countBelow(db, MESSAGES, 2), 2, 'the batch rolled back');
});

test('the guard refuses any write sealed under a version below the floor, and takes the new version', async (t) => {
  const db = openStore(t);
  guardKeyFloor(db, ROUTING_SEALED, 2);
  const stale = messageStore(db, V1);
  await t.throwsAsync(stale.enqueue(newMessage(), 'UZ'), { message: /sealed under a master key version below 2/ });
  const current = messageStore(db, BOTH);
  const id = await current.enqueue(newMessage(), 'UZ');
  t.is(current.status(id)?.state, 'ACCEPTED');
  guardKeyFloor(db, ROUTING_SEALED, 2); // installing it again is harmless
  t.is(countBelow(db, MESSAGES, 2), 0);
});

test('the daemon announces a new version only after the writes it sealed under the old one committed', async (t) => {
  const db = openStore(t);
  const keyFile = path.join(files.dir, `announce-${n++}.key`);
  writeMasterKeyFile(keyFile, new Map([[1, K1]]), { replace: false });
  const ring = KeyRing.load({ masterKeyFile: keyFile, createIfMissing: false }, files.dir);
  const store = messageStore(db, ring);
  const sealing = announceSealing({ ring, stores: [{ db, write: (op) => store.writes.write(op) }], logger: quietLogger });
  await store.writes.write(() => undefined); // the start's announcement is committed
  t.like(readAnnouncement(db), { pid: process.pid, version: 1 });

  // A message sealed under version 1 waits for its commit when the ring moves to version 2.
  const pending = store.enqueue(newMessage(), 'UZ');
  writeMasterKeyFile(keyFile, new Map([[1, K1], [2, K2]]), { replace: true });
  ring.reload();
  t.is(readAnnouncement(db)?.version, 1, 'not announced while a version 1 record waits');
  const announced = awaitSealing([{ name: 'routing store', db }], 2);
  const id = await pending;
  t.deepEqual(await announced, { daemon: true });
  t.is(readAnnouncement(db)?.version, 2);
  t.is(envelopeKeyVersion(db.prepare('SELECT content FROM messages WHERE id = ?').pluck().get(id) as Buffer), 1);

  sealing.stop();
  await store.writes.write(() => undefined);
  t.is(readAnnouncement(db), undefined, 'a clean stop removes it');
});

test('no daemon is waited for when the announcement is gone, stale, or its process dead', async (t) => {
  const db = openStore(t);
  const announce = (a: object) => db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('sealer', ?)").run(JSON.stringify({ host: hostname(), instance: 'x', version: 1, ...a }));
  t.deepEqual(await awaitSealing([{ name: 'routing store', db }], 2), { daemon: false });
  const exited = spawnSync(process.execPath, ['-e', '']).pid!;
  announce({ pid: exited, at: Date.now() });
  t.deepEqual(await awaitSealing([{ name: 'routing store', db }], 2), { daemon: false }, 'killed: its pid is gone');
  announce({ pid: process.pid, at: Date.now() - 120_000 });
  t.deepEqual(await awaitSealing([{ name: 'routing store', db }], 2), { daemon: false }, 'no heartbeat for two minutes');
  announce({ pid: process.pid, at: Date.now(), version: 3 });
  t.deepEqual(await awaitSealing([{ name: 'routing store', db }], 2), { daemon: true }, 'running, and already past the version');
});

test('a BLOB column holding old envelopes but missing from the list is found before any key is retired', async (t) => {
  const db = openStore(t);
  await messageStore(db, V1).enqueue(newMessage(), 'UZ');
  db.exec('CREATE TABLE forgotten (id TEXT, sealed BLOB, note TEXT) STRICT');
  db.prepare('INSERT INTO forgotten VALUES (?, (SELECT content FROM messages LIMIT 1), ?)').run('x', 'not sealed');
  t.deepEqual(unlistedSealed(db, ROUTING_SEALED, 2), ['forgotten.sealed'], 'the listed columns are not reported, the forgotten one is');
  t.deepEqual(unlistedSealed(db, [...ROUTING_SEALED, { ...MESSAGES, table: 'forgotten', column: 'sealed' }], 2), []);
  t.deepEqual(unlistedSealed(db, ROUTING_SEALED, 1), [], 'nothing is below version 1');
});
