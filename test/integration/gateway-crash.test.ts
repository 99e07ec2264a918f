/**
 * kill -9 under load, then restart on the same store: every message whose enqueue resolved
 * is delivered; the only duplicates are messages in flight at the kill (at-least-once).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { startTestGateway } from '../helpers/gateway.js';
import { tempFiles } from '../helpers/temp-files.js';
import { startGateway } from '../../src/main.js';
import { quietLogger } from '../helpers/esme.js';

const files = tempFiles('gateway-crash');
const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), '../helpers/crash-child.ts');

test('kill -9 during load loses no acknowledged message; duplicates only for what was in flight', async (t) => {
  // A first gateway only to get simulators and a configuration; it stops before the child starts.
  const setup = await startTestGateway(t, files, { carriers: [{ name: 'alpha', behaviour: { responseLatencyMs: { min: 0, max: 3 } } }], storeName: 'crash' });
  await setup.gateway.stop();

  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, setup.configFile, '5000'], { env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill('SIGKILL'));
  const acked = new Map<number, string>();
  const lines = createInterface({ input: child.stdout });
  const sim = setup.sims.get('alpha')!;
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the child exited (${code}) before the kill`)));
    lines.on('line', (line) => {
      const m = /^ACK (\d+) (\w+)$/.exec(line);
      if (m) acked.set(Number(m[1]), m[2]!);
      // Kill once messages are both being accepted and being sent.
      if (acked.size >= 1_000 && sim.counters.submitsReceived >= 200) resolve();
    });
  });
  child.removeAllListeners('exit');
  child.kill('SIGKILL');
  await once(child, 'exit');
  const sentBeforeKill = sim.counters.submitsReceived;

  const gateway = await startGateway(setup.config, quietLogger, { idlePollMs: 20 });
  t.teardown(() => gateway.stop());
  const ids = [...acked.values()];
  const undelivered = new Set(ids.filter((id) => gateway.status(id)?.state !== 'DELIVERED'));
  await new Promise<void>((resolve) => {
    const onFinal = (id: string) => {
      undelivered.delete(id);
      if (undelivered.size === 0) resolve();
    };
    gateway.store.events.on('final', onFinal);
    if (undelivered.size === 0) resolve();
  });
  for (const id of ids) t.is(gateway.status(id)?.state, 'DELIVERED', `message ${id} after the restart`);

  const seen = new Map<string, number>();
  for (const m of sim.messages.list(100_000)) seen.set(m.destination_addr, (seen.get(m.destination_addr) ?? 0) + 1);
  const duplicates = [...seen.values()].filter((n) => n > 1).length;
  t.log(`acked ${acked.size}, sent before the kill ${sentBeforeKill}, duplicates ${duplicates}`);
  t.true(duplicates <= setup.gateway.dispatcher.maxInFlight, `${duplicates} duplicates, more than could be in flight`);
  for (const [i] of acked) t.true(seen.has(`99890${String(i).padStart(7, '0')}`), `acked message ${i} reached the carrier`);
});
