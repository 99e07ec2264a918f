/**
 * A worker thread of test/integration/lease-concurrency.test.ts: its own connections to the
 * stores of a configuration (better-sqlite3 is synchronous, so only separate threads or
 * processes make requests overlap), asking for leases or masks back to back once every
 * worker is ready. It reports each request's outcome; the test judges them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../../src/config/loader.js';
import { LeaseBook, NoNumberAvailable } from '../../src/numbers/leases.js';
import { RelayBook } from '../../src/numbers/relays.js';
import { openContactStore } from '../../src/store/contact-store.js';
import { openRoutingStore } from '../../src/store/routing-store.js';

export interface NumberJob {
  configFile: string;
  kind: 'lease' | 'mask';
  requests: number;
  account: string;
  /** For masks: the one real party every request masks. */
  realNumber?: string;
  ttlMs: number;
  /** Int32Array[1]: 0 until the test lets every worker go at once. */
  gate: SharedArrayBuffer;
}

export type Outcome =
  | { granted: { id: string; number: string } }
  | { refused: { code: string; reason: string; pool: string; message: string } }
  | { failed: string };

const job = workerData as NumberJob;
const config = loadConfig(job.configFile);
const routing = openRoutingStore(config);
const contacts = job.kind === 'mask' ? openContactStore(config) : undefined;
const leases = new LeaseBook(routing.db, config.numbers.leases);
const relays = contacts && new RelayBook({ db: routing.db, contacts: contacts.contacts, policy: config.numbers.relays, cooldownMs: config.numbers.leases.cooldownMs });

function ask(): { id: string; number: string } {
  if (job.kind === 'lease') return leases.request({ account: job.account, ttlMs: job.ttlMs });
  return relays!.createMask({ account: job.account, realNumber: job.realNumber!, ttlMs: job.ttlMs });
}

const gate = new Int32Array(job.gate);
parentPort!.postMessage({ ready: true });
Atomics.wait(gate, 0, 0); // blocks this thread only, until the test opens the gate

const outcomes: Outcome[] = [];
for (let i = 0; i < job.requests; i++) {
  try {
    const { id, number } = ask();
    outcomes.push({ granted: { id, number } });
  } catch (err) {
    if (err instanceof NoNumberAvailable) outcomes.push({ refused: { code: err.code, reason: err.reason, pool: err.pool, message: err.message } });
    else outcomes.push({ failed: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  }
}
routing.db.close();
contacts?.db.close();
parentPort!.postMessage({ outcomes });
