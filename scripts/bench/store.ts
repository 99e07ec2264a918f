/**
 * `npm run bench -- --scenario store`: the durable accept path alone. N messages are
 * enqueued with up to `concurrency` outstanding (as many clients submitting at once), into
 * a routing store on disk with synchronous=FULL; each enqueue resolves after its batch
 * committed. Latency is enqueue → durable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openTestStore, newMessage } from '../../test/helpers/routing-store.js';
import { percentile, perSecond, rssMb } from './stats.js';

export async function benchStore(opts: { messages: number; concurrency: number }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'maskgate-bench-store-'));
  const { db, store } = openTestStore(path.join(dir, 'routing.db'));
  const latencies: number[] = [];
  const template = newMessage();
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < opts.messages) {
      next++;
      const t0 = performance.now();
      await store.enqueue(template, 'UZ');
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const elapsed = performance.now() - started;
  store.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return {
    scenario: 'store',
    messages: opts.messages,
    concurrency: opts.concurrency,
    accepted_per_s: perSecond(opts.messages, elapsed),
    sent_per_s: null,
    dlrs_matched_per_s: null,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    rss_mb: rssMb(),
  };
}
