/** Runs one simulator instance in a worker thread, so the bench driver has the other core. */
import { parentPort, workerData } from 'node:worker_threads';
import { startSimulator } from '../../simulators/smsc.js';

const sim = await startSimulator({ port: 0, behaviour: workerData.behaviour, recordCapacity: 1_000 });
parentPort!.postMessage({ port: sim.port });
parentPort!.on('message', async (msg: string) => {
  if (msg === 'counters') parentPort!.postMessage({ counters: sim.counters });
  if (msg === 'down') await sim.goDown();
  if (msg === 'up') await sim.comeBack();
  if (msg === 'close') {
    await sim.close();
    parentPort!.postMessage({ closed: true });
  }
});
