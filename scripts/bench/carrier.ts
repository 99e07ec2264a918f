/**
 * `npm run bench -- --scenario carrier`: the whole carrier side. Messages are enqueued
 * (durable), dispatched through one simulated carrier (in a worker thread) and every
 * receipt is matched back. sent_per_s: enqueue of the first → carrier acceptance of the
 * last; dlrs_matched_per_s: → the last message DELIVERED.
 */
import { startSimulatorWorker } from './worker.js';
import { allAccepted, allFinal, benchGateway, enqueueAll } from './gateway-setup.js';
import { percentile, perSecond, rssMb } from './stats.js';

export async function benchCarrier(opts: { messages: number; window: number; concurrency: number }) {
  const sim = await startSimulatorWorker({ dlr: { mode: 'text+tlv' } });
  const { gateway, cleanup } = await benchGateway(sim.port, { binds: 2, window: opts.window, throughputMsgPerSec: 20_000 });
  while (!gateway.carriers.isAvailable('sim')) await new Promise((r) => setTimeout(r, 10));
  const started = performance.now();
  const delivered = allFinal(gateway, opts.messages);
  const latencies = await enqueueAll(gateway, opts.messages, opts.concurrency);
  const acceptedAt = performance.now();
  const sentAt = await allAccepted(gateway, opts.messages);
  const deliveredAt = await delivered;
  const rss = rssMb();
  await cleanup();
  await sim.close();
  return {
    scenario: 'carrier',
    messages: opts.messages,
    window: opts.window,
    binds: 2,
    accepted_per_s: perSecond(opts.messages, acceptedAt - started),
    sent_per_s: perSecond(opts.messages, sentAt - started),
    dlrs_matched_per_s: perSecond(opts.messages, deliveredAt - started),
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    rss_mb: rss,
  };
}
