/** The simulator in a worker thread, for benchmarks: its own core, driven by messages. */
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import type { BehaviourInput } from '../../src/config/simulator-schema.js';

export interface SimulatorWorker {
  port: number;
  send(msg: 'down' | 'up'): void;
  close(): Promise<void>;
}

export async function startSimulatorWorker(behaviour: BehaviourInput): Promise<SimulatorWorker> {
  const worker = new Worker(new URL('./worker-entry.mjs', import.meta.url), {
    workerData: { module: new URL('./simulator-worker.ts', import.meta.url).href, behaviour },
  });
  const [{ port }] = (await once(worker, 'message')) as [{ port: number }];
  return {
    port,
    send: (msg) => worker.postMessage(msg),
    close: async () => {
      worker.postMessage('close');
      await once(worker, 'message');
      await worker.terminate();
    },
  };
}
