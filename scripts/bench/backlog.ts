/**
 * `npm run bench -- --scenario backlog`: the carrier is down while `messages` (default in
 * the README: 1,000,000) are accepted; the queue must live on disk, so RSS stays low. Then
 * the carrier comes back and the backlog drains, every receipt matched.
 */
import { startSimulatorWorker } from './worker.js';
import { allFinal, benchGateway, enqueueAll } from './gateway-setup.js';
import { percentile, perSecond, rssMb } from './stats.js';

export async function benchBacklog(opts: { messages: number; window: number; concurrency: number }) {
  const sim = await startSimulatorWorker({ dlr: { mode: 'text+tlv' } });
  sim.send('down');
  const { gateway, cleanup } = await benchGateway(sim.port, {
    binds: 2,
    window: opts.window,
    throughputMsgPerSec: 20_000,
    reconnect: { initialDelayMs: 200, maxDelayMs: 1_000 },
  });
  let peakRss = rssMb();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb())), 100);

  const started = performance.now();
  const latencies = await enqueueAll(gateway, opts.messages, opts.concurrency, (done) => process.stderr.write(`\raccepted ${done}`));
  const acceptedMs = performance.now() - started;
  const queued = gateway.store.queuedCount;
  const rssQueued = peakRss;
  process.stderr.write(`\nqueued ${queued}, peak RSS ${rssQueued} MB; carrier back\n`);

  const drainStarted = performance.now();
  const delivered = allFinal(gateway, opts.messages);
  sim.send('up');
  const deliveredAt = await delivered;
  clearInterval(sampler);
  const result = {
    scenario: 'backlog',
    messages: opts.messages,
    queued_while_down: queued,
    accepted_per_s: perSecond(opts.messages, acceptedMs),
    rss_mb_while_queued: rssQueued,
    sent_per_s: perSecond(gateway.dispatcher.counters.accepted, deliveredAt - drainStarted),
    dlrs_matched_per_s: perSecond(opts.messages, deliveredAt - drainStarted),
    drain_s: Number(((deliveredAt - drainStarted) / 1000).toFixed(1)),
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    rss_mb: Math.max(peakRss, rssMb()),
  };
  await cleanup();
  await sim.close();
  return result;
}
