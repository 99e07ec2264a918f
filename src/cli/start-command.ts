/**
 * `maskgate start`: the daemon. It validates the configuration and refuses to start on any
 * problem, starts the embedded simulated carriers if the configuration has them (the demo
 * does), then the daemon (src/main.ts: gateway, accounts, client listener). SIGTERM or
 * Ctrl-C drains: the client listener closes, no new dispatch, the carriers answer what is
 * in flight, unbind, what waits is committed, exit 0.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/loader.js';
import { createLogger } from '../obs/logger.js';
import type { RunningSimulators } from '../../simulators/run.js';
import type { CliContext } from './program.js';
import { printLine } from './output.js';
import { closeWithin, untilShutdown, type ShutdownListener } from './shutdown.js';

/** Enough for the drain (10 s) plus closing the store and the simulators. */
const SHUTDOWN_DEADLINE_MS = 20_000;

export function registerStartCommand(program: Command, ctx: CliContext): void {
  program
    .command('start')
    .description('start maskgate on the configuration (default: the bundled demo with simulated carriers)')
    .action(() => untilShutdown((shutdown) => runStart(ctx, shutdown)));
}

async function runStart(ctx: CliContext, shutdown: ShutdownListener): Promise<void> {
  const { config: file } = ctx.globals();
  const config = loadConfig(file);
  const logger = createLogger({ level: config.logging.level, format: config.logging.format, stream: process.stderr });
  let simulators: RunningSimulators | undefined;
  if (config.simulator.embedded && config.simulator.instances.length > 0) {
    // Loaded here, not at the top: every CLI command would otherwise load the whole daemon.
    const { runSimulators } = await import('../../simulators/run.js');
    simulators = await runSimulators(config.simulator, config.configDir, logger);
  }
  let daemon;
  try {
    const { startDaemon } = await import('../main.js');
    daemon = await startDaemon(config, logger);
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
  const { listener, gateway, accounts } = daemon;
  printLine(`  carriers: ${config.carriers.map((c) => c.name).join(', ') || 'none'}; messages queued on disk: ${gateway.store.queuedCount}`);
  printLine(`  clients bind to smpp://${config.smpp.tcp.host}:${listener.port}${listener.tlsPort ? ` and ssmpp://${config.smpp.tls?.host}:${listener.tlsPort}` : ''}`);
  if (daemon.http) {
    const base = `${config.http.tls ? 'https' : 'http'}://${config.http.host}:${daemon.http.port}`;
    printLine(`  HTTP API on ${base} (reference at ${base}/docs; tokens: \`maskgate tokens create\`), metrics at ${base}/metrics`);
  }
  const count = accounts.list().length;
  const seed = config.accountSeeds[0];
  if (seed) {
    const where = seed.passwordFile ? `in ${seed.passwordFile}` : `in $${seed.passwordEnv}`;
    printLine(`  connect as system_id "${seed.systemId}" (password ${where}), or try: npx maskgate send --to 998901234567 --text "Salom" --wait-dlr`);
  }
  printLine(
    count > 0
      ? `  accounts: ${count} (see \`maskgate accounts list\`)`
      : '  accounts: none yet; add one with `MY_PW=secret1 npx maskgate accounts add demo --password-env MY_PW`',
  );
  const moSeed = config.accountSeeds.find((a) => a.moPrefixes.length > 0);
  const moCarrier = simulators?.instances[0];
  if (control && moSeed && moCarrier) {
    // A reply from a (generated) subscriber to the seed's number: it reaches the account's receiver bind.
    const body = JSON.stringify({ from: '998901234567', to: moSeed.moPrefixes[0], text: 'Rahmat' });
    printLine(`  an MO to "${moSeed.systemId}": curl -X POST -H 'Authorization: Bearer ${control.tokenSource === 'generated' ? control.token : '<token>'}' -H 'Content-Type: application/json' -d '${body}' ${control.url}/instances/${moCarrier.name}/mo`);
  }
  printLine('  not yet here: virtual numbers and masking, the HTTP API.');
  printLine('Ctrl-C stops it.');
  const signal = await shutdown.received;
  logger.info('shutting down', { signal });
  const running = daemon;
  await closeWithin(SHUTDOWN_DEADLINE_MS, async () => {
    await running.stop();
    await simulators?.close();
  });
}
