/**
 * `maskgate start`: the daemon. It validates the configuration and refuses to start on any
 * problem, then starts what exists so far: the embedded simulated carriers of the demo.
 * The relay itself (client listener, carrier binds, routing) is built by the carrier-side
 * and client-side work and will be wired in here, in the order config → keys → stores →
 * services → listeners (STYLE.md §1).
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/loader.js';
import { createLogger } from '../obs/logger.js';
import { runSimulators, type RunningSimulators } from '../../simulators/run.js';
import type { CliContext } from './program.js';
import { printLine } from './output.js';
import { closeWithin, waitForShutdown } from './shutdown.js';

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
      logger.info('maskgate started', { config: file, carriers: config.carriers.length, routes: config.routes.length });
      printLine(`maskgate: configuration ${file} is valid (${config.carriers.length} carriers, ${config.routes.length} routes).`);
      for (const sim of simulators?.instances ?? []) {
        printLine(`  simulated carrier ${sim.name} listening on smpp://127.0.0.1:${sim.port} (try: any SMPP client, system_id from the config)`);
      }
      const control = simulators?.control;
      if (control) {
        const token = control.tokenSource === 'generated' ? control.token : '<the configured token>';
        printLine(`  simulator control: ${control.url} (Authorization: Bearer ${token})`);
      }
      printLine(
        `  not yet here: the SMPP listener for clients on port ${config.smpp.tcp.port}, the carrier binds and routing. ` +
          'They arrive with the carrier-side and client-side work; until then start runs the simulated carriers only.',
      );
      printLine('Ctrl-C stops it.');
      const signal = await waitForShutdown();
      logger.info('shutting down', { signal });
      await closeWithin(10_000, async () => {
        await simulators?.close();
      });
    });
}
