/**
 * The process the crash test kills: a gateway on the given configuration that enqueues
 * `count` messages (destination numbers 99890 + index) and prints `ACK <index> <id>` the
 * moment each enqueue resolved, i.e. once the message is durable.
 */
import { loadConfig } from '../../src/config/loader.js';
import { startGateway } from '../../src/main.js';
import { createLogger } from '../../src/obs/logger.js';
import { newMessage, content } from './routing-store.js';

const [configFile, countArg] = process.argv.slice(2);
const gateway = await startGateway(loadConfig(configFile!), createLogger({ level: 'error', stream: process.stderr }), { idlePollMs: 20 });
const count = Number(countArg);
const inFlight = new Set<Promise<void>>();
for (let i = 0; i < count; i++) {
  const destinationAddr = `99890${String(i).padStart(7, '0')}`;
  const p = gateway.enqueue(newMessage({ content: content({ destinationAddr }) })).then((id) => {
    process.stdout.write(`ACK ${i} ${id}\n`);
  });
  inFlight.add(p);
  void p.finally(() => inFlight.delete(p));
  if (inFlight.size >= 50) await Promise.race(inFlight);
}
process.stdout.write('DONE\n');
