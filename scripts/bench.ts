/**
 * Benchmarks (not tests): `npm run bench -- --scenario NAME [--messages N] [--window W]`,
 * and for `relay` `[--rate R]` (offered msg/s; default: as fast as the window allows).
 * `masks`: `--window` bounds the round trips outstanding (MT sent, reply not yet back).
 * `api`: `--messages` lease requests and status reads, `--concurrency` HTTP requests outstanding (at most 256).
 * Progress goes to stderr; the last line on stdout is one JSON object with the figures.
 */
import { parseArgs } from 'node:util';
import { benchSimulator } from './bench/simulator.js';
import { benchStore } from './bench/store.js';
import { benchCarrier } from './bench/carrier.js';
import { benchBacklog } from './bench/backlog.js';
import { benchCodec } from './bench/codec.js';
import { benchRelay } from './bench/relay.js';
import { benchMasks } from './bench/masks.js';
import { benchApi } from './bench/api.js';

interface BenchOptions {
  messages: number;
  window: number;
  concurrency: number;
  rate: number | undefined;
}

const SCENARIOS: Record<string, (o: BenchOptions) => Promise<object>> = {
  simulator: (o) => benchSimulator(o),
  store: (o) => benchStore(o),
  carrier: (o) => benchCarrier(o),
  backlog: (o) => benchBacklog(o),
  codec: (o) => benchCodec(o),
  relay: (o) => benchRelay(o),
  masks: (o) => benchMasks(o),
  api: (o) => benchApi(o),
};

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'simulator' },
    messages: { type: 'string', default: '200000' },
    window: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '2000' },
    rate: { type: 'string' },
  },
});

const run = SCENARIOS[values.scenario];
if (!run) {
  console.error(`unknown scenario "${values.scenario}"; choose one of: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
const rate = values.rate === undefined ? undefined : Number(values.rate);
if (rate !== undefined && !(rate > 0)) {
  console.error(`--rate must be a number of messages per second > 0, got "${values.rate}"`);
  process.exit(2);
}
const result = await run({ messages: Number(values.messages), window: Number(values.window), concurrency: Number(values.concurrency), rate });
console.log(JSON.stringify(result));
