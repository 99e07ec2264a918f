/**
 * `maskgate start`: the daemon. It validates the configuration and refuses to start on any
 * problem, starts the embedded simulated carriers if the configuration has them (the demo
 * does), then the gateway (src/main.ts). SIGTERM or Ctrl-C drains: no new dispatch, the
 * carriers answer what is in flight, unbind, what waits is committed, exit 0.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/loader.js';
import { createLogger } from '../obs/logger.js';
import { startGateway } from '../main.js';
import { runSimulators, type RunningSimulators } from '../../simulators/run.js';
import type { CliContext } from './program.js';
import { printLine } from './output.js';
import { closeWithin, waitForShutdown } from './shutdown.js';

/** Enough for the drain (10 s) plus closing the store and the simulators. */
const SHUTDOWN_DEADLINE_MS = 20_000;

export function registerStartCommand(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('start maskgate on the configuration (default: the bundled demo with simulated carriers)')
    .action(async () => {
      const { config: file } = ctx.globals();
      const config = loadConfig(file);
      const logger = createLogger({ level: config.logging.level, format: config.logging.format, stream: process.stderr });
      let simulators: RunningSimulators | undefined;
      if (config.simulator.embedded && config.simulator.instances.length > 0) {
        simulators = await runSimulators(config.simulator, config.configDir, logger);
      }
      let gateway;
      try {
        gateway = await startGateway(config, logger);
      } catch (err) {
        await simulators?.close();
        throw err;
      }
      printLine(`maskgate: configuration ${file} is valid (${config.carriers.length} carriers, ${config.routes.length} routes).`);
      for (const sim of simulators?.instances ?? []) {
        printLine(`  simulated carrier ${sim.name} listening on smpp://127.0.0.1:${sim.port}`);
      }
      const control = simulators?.control;
      if (control) {
        const token = control.tokenSource === 'generated' ? control.token : '<the configured token>';
        printLine(`  simulator control: ${control.url} (Authorization: Bearer ${token})`);
      }
      printLine(`  carriers: ${config.carriers.map((c) => c.name).join(', ') || 'none'}; messages queued on disk: ${gateway.store.queuedCount}`);
      printLine(
        `  not yet here: the SMPP listener for clients on port ${config.smpp.tcp.port}. ` +
          'It arrives with the client-side work; until then the gateway binds to its carriers and sends what is queued.',
      );
      printLine('Ctrl-C stops it.');
      const signal = await waitForShutdown();
      logger.info('shutting down', { signal });
      const running = gateway;
      await closeWithin(SHUTDOWN_DEADLINE_MS, async () => {
        await running.stop();
        await simulators?.close();
      });
    });
}
