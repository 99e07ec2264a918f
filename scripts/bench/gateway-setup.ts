/**
 * A gateway for benchmarks: a temporary configuration with one carrier (the simulator in a
 * worker thread), a routing store on disk, and an enqueue driver that measures
 * enqueue → durable latency with a bounded number outstanding.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../../src/config/loader.js';
import { startGateway, type Gateway } from '../../src/main.js';
import { createLogger } from '../../src/obs/logger.js';
import { newMessage } from '../../test/helpers/routing-store.js';

export async function benchGateway(port: number, carrier: Record<string, unknown>): Promise<{ gateway: Gateway; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'maskgate-bench-'));
  process.env.MASKGATE_BENCH_KEY = randomBytes(32).toString('base64');
  process.env.MASKGATE_BENCH_PW = 'secret';
  const file = path.join(dir, 'bench.yaml');
  writeFileSync(
    file,
    stringify({
      carriers: [{ name: 'sim', host: '127.0.0.1', port, systemId: 'test', passwordEnv: 'MASKGATE_BENCH_PW', ...carrier }],
      routes: [{ name: 'all', failover: ['sim'] }],
      stores: { routing: { path: path.join(dir, 'routing.db') } },
      keys: { masterKeyEnv: 'MASKGATE_BENCH_KEY' },
    }),
  );
  const gateway = await startGateway(loadConfig(file), createLogger({ level: 'warn', stream: process.stderr }));
  return {
    gateway,
    cleanup: async () => {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Enqueues `count` messages, at most `concurrency` outstanding; returns each latency in ms. */
export async function enqueueAll(gateway: Gateway, count: number, concurrency: number, onProgress?: (done: number) => void): Promise<number[]> {
  const latencies: number[] = [];
  const template = newMessage({ registeredDelivery: 1 });
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const t0 = performance.now();
      await gateway.enqueue(template);
      latencies.push(performance.now() - t0);
      if (onProgress && latencies.length % 10_000 === 0) onProgress(latencies.length);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return latencies.sort((a, b) => a - b);
}

/** Resolves when `count` messages reached a final state, with the time it happened. */
export function allFinal(gateway: Gateway, count: number): Promise<number> {
  return new Promise((resolve) => {
    let n = 0;
    gateway.store.events.on('final', () => {
      if (++n === count) resolve(performance.now());
    });
  });
}

/** Resolves when the dispatcher has had `count` submits accepted. */
export async function allAccepted(gateway: Gateway, count: number): Promise<number> {
  while (gateway.dispatcher.counters.accepted < count) await new Promise((r) => setTimeout(r, 5));
  return performance.now();
}
