/**
 * Benchmarks (not tests): `npm run bench -- --scenario NAME [--messages N] [--window W]`.
 * Progress goes to stderr; the last line on stdout is one JSON object with the figures.
 */
import { parseArgs } from 'node:util';
import { benchSimulator } from './bench/simulator.js';
import { benchStore } from './bench/store.js';
import { benchCarrier } from './bench/carrier.js';
import { benchBacklog } from './bench/backlog.js';

interface BenchOptions {
  messages: number;
  window: number;
  concurrency: number;
}

const SCENARIOS: Record<string, (o: BenchOptions) => Promise<object>> = {
  simulator: (o) => benchSimulator(o),
  store: (o) => benchStore(o),
  carrier: (o) => benchCarrier(o),
  backlog: (o) => benchBacklog(o),
};

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'simulator' },
    messages: { type: 'string', default: '200000' },
    window: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '2000' },
  },
});

const run = SCENARIOS[values.scenario];
if (!run) {
  console.error(`unknown scenario "${values.scenario}"; choose one of: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
const result = await run({ messages: Number(values.messages), window: Number(values.window), concurrency: Number(values.concurrency) });
console.log(JSON.stringify(result));
