/**
 * Concurrent lease and mask requests from several worker threads, each with its own
 * connections to the same SQLite files: the store (IMMEDIATE transactions, partial UNIQUE
 * indexes) must hand each number to one holder, and refuse the rest at once with a reason.
 */
import test, { type ExecutionContext } from 'ava';
import { Worker } from 'node:worker_threads';
import { testNumber } from '../helpers/esme.js';
import { HOUR, openBooks, poolNumber } from '../helpers/number-books.js';
import type { NumberJob, Outcome } from '../helpers/number-worker.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('lease-concurrency');
// The tests run one after the other: each starts four threads that load the whole store code,
// and on a shared 2-core machine eight at once only slow each other down.
/**
 * The worker's entry: Node 20 does not pass the test's TypeScript loader (--import=tsx) on to
 * worker threads, so each worker registers tsx itself before importing the TypeScript module.
 */
const BOOT = `import { register } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};
register();
await import(${JSON.stringify(new URL('../helpers/number-worker.ts', import.meta.url).href)});`;

/**
 * Starts one worker per job, lets them all go at once when every one has its connections
 * open, and returns every outcome.
 */
async function runTogether(t: ExecutionContext, jobs: Omit<NumberJob, 'gate'>[]): Promise<Outcome[]> {
  const gate = new SharedArrayBuffer(4);
  const ready: Promise<void>[] = [];
  const done: Promise<Outcome[]>[] = [];
  for (const job of jobs) {
    const worker = new Worker(BOOT, { eval: true, workerData: { ...job, gate } satisfies NumberJob });
    t.teardown(() => worker.terminate());
    ready.push(new Promise((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    }));
    done.push(new Promise((resolve, reject) => {
      worker.on('message', (m: { outcomes?: Outcome[] }) => m.outcomes && resolve(m.outcomes));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`worker exited (${code}) before reporting`)));
    }));
  }
  await Promise.all(ready);
  Atomics.store(new Int32Array(gate), 0, 1);
  Atomics.notify(new Int32Array(gate), 0);
  return (await Promise.all(done)).flat();
}

const granted = (o: Outcome[]) => o.flatMap((x) => ('granted' in x ? [x.granted] : []));
const refused = (o: Outcome[]) => o.flatMap((x) => ('refused' in x ? [x.refused] : []));
const failed = (o: Outcome[]) => o.flatMap((x) => ('failed' in x ? [x.failed] : []));

test.serial('200 concurrent lease requests on a pool of 50: 50 granted, 150 clear refusals, no number twice', async (t) => {
  const pool = Array.from({ length: 50 }, (_, i) => poolNumber(100 + i));
  const { file, db } = await openBooks(t, files, { pool, accounts: ['acme', 'zeta'] });
  const outcomes = await runTogether(
    t,
    Array.from({ length: 4 }, (_, i) => ({ configFile: file, kind: 'lease' as const, requests: 50, account: i % 2 === 0 ? 'acme' : 'zeta', ttlMs: HOUR })),
  );

  t.deepEqual(failed(outcomes), [], 'every request was granted or refused, none failed');
  const leases = granted(outcomes);
  t.is(leases.length, 50);
  t.is(new Set(leases.map((l) => l.number)).size, 50, 'no number granted twice');
  t.deepEqual(leases.map((l) => l.number).sort(), [...pool].sort(), 'every number of the pool');
  const refusals = refused(outcomes);
  t.is(refusals.length, 150);
  for (const r of refusals) {
    t.like(r, { code: 'NO_NUMBER_AVAILABLE', reason: 'all-leased', pool: 'the whole pool' });
    t.is(r.message, 'no number available in the whole pool: all 50 usable numbers are leased or serve masks and sessions; try again later or add numbers');
  }
  const active = db.prepare<[], { number: string; holders: number }>('SELECT number, count(*) AS holders FROM leases WHERE ended_at IS NULL GROUP BY number').all();
  t.is(active.length, 50);
  t.true(active.every((a) => a.holders === 1), 'the store holds one active lease per number');
  t.deepEqual(active.map((a) => a.number).sort(), leases.map((l) => l.number).sort(), 'what was reported granted is what the store holds');
});

test.serial('concurrent masks of one real number never put two of its legs on one pool number', async (t) => {
  const pool = Array.from({ length: 20 }, (_, i) => poolNumber(300 + i));
  const { file, db } = await openBooks(t, files, { pool });
  const real = `+${testNumber()}`;
  const outcomes = await runTogether(
    t,
    Array.from({ length: 4 }, () => ({ configFile: file, kind: 'mask' as const, requests: 10, account: 'acme', realNumber: real, ttlMs: HOUR })),
  );

  t.deepEqual(failed(outcomes), []);
  const masks = granted(outcomes);
  t.is(masks.length, 20, 'one mask of R per pool number');
  t.deepEqual(masks.map((m) => m.number).sort(), [...pool].sort(), 'each pool number once');
  const refusals = refused(outcomes);
  t.is(refusals.length, 20);
  for (const r of refusals) t.like(r, { code: 'NO_NUMBER_AVAILABLE', pool: 'the pool of country UZ' });
  t.false(JSON.stringify(outcomes).includes(real.slice(1)), 'no outcome, refusal included, quotes R');

  const legs = db.prepare<[], { number: string; party_index: string; contact_id: string }>('SELECT number, party_index, contact_id FROM relay_legs WHERE ended_at IS NULL').all();
  t.is(legs.length, 20);
  t.is(new Set(legs.map((l) => l.party_index)).size, 1, 'one party');
  t.is(new Set(legs.map((l) => l.contact_id)).size, 1, 'one contact, though four connections added it at once');
  t.is(new Set(legs.map((l) => l.number)).size, 20, 'never two active legs of R on one V');
});
