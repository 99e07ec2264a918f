import test from 'ava';
import path from 'node:path';
import { openDatabase } from '../../src/store/database.js';
import { walSyncer } from '../../src/store/wal-sync.js';
import { WriteBatcher } from '../../src/store/write-batcher.js';
import { tempFiles } from '../helpers/temp-files.js';

const dir = tempFiles('wal-sync').dir;
let n = 0;

function openStore(syncOffLoop: boolean) {
  return openDatabase({ path: path.join(dir, `s${n++}.db`), name: 'test store', migrations: [{ version: 1, description: 't', up: 'CREATE TABLE t (v INTEGER)' }], masterKey: Buffer.alloc(32, 1), syncOffLoop });
}

test('a store that syncs off the loop runs synchronous NORMAL; the default stays FULL', (t) => {
  const offLoop = openStore(true);
  const plain = openStore(false);
  t.teardown(() => (offLoop.close(), plain.close()));
  t.is(offLoop.pragma('synchronous', { simple: true }), 1); // NORMAL
  t.is(plain.pragma('synchronous', { simple: true }), 2); // FULL
});

test('a batch is answered only after its sync; syncs asked while one runs share one that starts after it', async (t) => {
  const db = openStore(true);
  const wal = walSyncer(db);
  t.teardown(async () => (await wal.close(), db.close()));
  let syncs = 0;
  const order: string[] = [];
  const writes = new WriteBatcher(db, {
    maxBatch: 1,
    maxDelayMs: 1,
    maxPending: 100,
    sync: () => {
      syncs++;
      return wal.sync().then(() => void order.push(`sync ${syncs}`));
    },
  });
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const done = await Promise.all([1, 2, 3].map((v) => writes.write(() => insert.run(v)).then(() => order.push(`write ${v}`))));
  t.is(done.length, 3);
  t.deepEqual((db.prepare('SELECT v FROM t ORDER BY v').all() as { v: number }[]).map((r) => r.v), [1, 2, 3]);
  t.is(syncs, 3, 'one per batch of one');
  for (const v of [1, 2, 3]) t.true(order.indexOf(`write ${v}`) > order.indexOf(`sync ${v}`), `write ${v} answered after its sync`);
});

test('concurrent syncs coalesce: the third waits for one that starts after the first', async (t) => {
  const db = openStore(true);
  const wal = walSyncer(db);
  t.teardown(async () => (await wal.close(), db.close()));
  db.prepare('INSERT INTO t (v) VALUES (1)').run();
  const first = wal.sync();
  const second = wal.sync();
  const third = wal.sync();
  t.is(second, third, 'both share the sync after the one under way');
  t.not(first, second);
  await Promise.all([first, second, third]);
});

test('a failed sync fails the whole batch with STORE_FAILED, though it was committed', async (t) => {
  const db = openStore(true);
  t.teardown(() => db.close());
  const writes = new WriteBatcher(db, { maxBatch: 2, maxDelayMs: 1, maxPending: 100, sync: () => Promise.reject(new Error('EIO: disk gone')) });
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const results = await Promise.allSettled([writes.write(() => insert.run(1)), writes.write(() => insert.run(2))]);
  for (const r of results) {
    t.is(r.status, 'rejected');
    if (r.status === 'rejected') {
      t.is((r.reason as { code: string }).code, 'STORE_FAILED');
      t.regex((r.reason as Error).message, /committed but could not be synced to disk: EIO/);
    }
  }
});

test('an in-memory store has nothing to sync', async (t) => {
  const db = openDatabase({ path: ':memory:', name: 'test store', migrations: [], masterKey: Buffer.alloc(32, 1), syncOffLoop: true });
  const wal = walSyncer(db);
  t.is(await wal.sync(), undefined);
  await wal.close();
  db.close();
});

test('while a sync is under way, timed writes wait and go in one batch once it returns', async (t) => {
  const db = openStore(true);
  t.teardown(() => db.close());
  const syncs: (() => void)[] = [];
  const commits: number[] = [];
  const writes = new WriteBatcher(db, {
    maxBatch: 100,
    maxDelayMs: 1,
    maxPending: 100,
    onCommit: (ops) => commits.push(ops),
    sync: () => new Promise<void>((resolve) => syncs.push(resolve)),
  });
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  const first = writes.write(() => insert.run(1));
  while (syncs.length === 0) await new Promise((r) => setTimeout(r, 1));
  const later = [2, 3, 4].map((v) => writes.write(() => insert.run(v)));
  await new Promise((r) => setTimeout(r, 20)); // their timer fired meanwhile
  t.is((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 1, 'nothing more was committed during the sync');
  syncs.shift()!();
  await first;
  while (syncs.length === 0) await new Promise((r) => setTimeout(r, 1));
  syncs.shift()!();
  await Promise.all(later);
  t.deepEqual(commits, [1, 3], 'the three waited and went together');
});
