/**
 * Benchmarks (not tests): `npm run bench -- --scenario NAME [--messages N] [--window W]`.
 * Progress goes to stderr; the last line on stdout is one JSON object with the figures.
 */
import { parseArgs } from 'node:util';
import { benchSimulator } from './bench/simulator.js';

const SCENARIOS = {
  simulator: (o: { messages: number; window: number }) => benchSimulator(o),
} as const;

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'simulator' },
    messages: { type: 'string', default: '200000' },
    window: { type: 'string', default: '100' },
  },
});

const scenario = values.scenario as keyof typeof SCENARIOS;
if (!(scenario in SCENARIOS)) {
  console.error(`unknown scenario "${values.scenario}"; choose one of: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
const result = await SCENARIOS[scenario]({ messages: Number(values.messages), window: Number(values.window) });
console.log(JSON.stringify(result));
