/**
 * `maskgate simulator`: runs the simulated carrier SMSCs of the configuration's
 * `simulator` section as a process, until Ctrl-C or SIGTERM.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/loader.js';
import { GatewayError } from '../errors.js';
import { createLogger } from '../obs/logger.js';
import type { CliContext } from './program.js';
import { printResult } from './output.js';
import { closeWithin, untilShutdown, type ShutdownListener } from './shutdown.js';

export function registerSimulatorCommand(program: Command, ctx: CliContext): void {
  program
    .command('simulator')
    .description('run the simulated carrier SMSCs of the configuration (one per simulator.instances entry)')
    .action(() => untilShutdown((shutdown) => runSimulator(ctx, shutdown)));
}

async function runSimulator(ctx: CliContext, shutdown: ShutdownListener): Promise<void> {
  const { config: file, json } = ctx.globals();
  const config = loadConfig(file);
  if (config.simulator.instances.length === 0) {
    throw new GatewayError('USAGE', `${file} has no simulator.instances; add at least one (see config/maskgate.example.yaml) or pass --config config/demo.yaml`);
  }
  const logger = createLogger({ level: config.logging.level, format: config.logging.format, stream: process.stderr });
  const { runSimulators } = await import('../../simulators/run.js'); // only this command needs the simulator
  const running = await runSimulators(config.simulator, config.configDir, logger);
  const summary = {
    instances: running.instances.map((s) => ({ name: s.name, host: '127.0.0.1', port: s.port, tlsPort: s.tlsPort ?? null })),
    control: running.control ? { url: running.control.url, token: running.control.tokenSource === 'generated' ? running.control.token : '(configured)' } : null,
  };
  printResult(summary, { json }, () =>
    [
      ...summary.instances.map((i) => `simulated SMSC ${i.name}: smpp://127.0.0.1:${i.port}${i.tlsPort ? ` and ssmpp://127.0.0.1:${i.tlsPort}` : ''}`),
      summary.control ? `control: ${summary.control.url} (Authorization: Bearer ${summary.control.token})` : 'control: off (add simulator.control to the configuration to enable it)',
      'Ctrl-C stops it.',
    ].join('\n'),
  );
  await shutdown.received;
  await closeWithin(10_000, running.close);
}
