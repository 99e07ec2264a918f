/**
 * The CLI frame: one commander program, global options, and the rule that every action
 * ends in an exit code from cli/exit-codes.ts. Each noun registers its commands from its
 * own file (Jasmin's jCli managers); this file only wires them.
 */
import { Command, CommanderError } from 'commander';
import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { asGatewayError } from '../errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { printError } from './output.js';
import { registerConfigCommands } from './config-command.js';
import { registerStartCommand } from './start-command.js';
import { registerSimulatorCommand } from './simulator-command.js';
import { registerSendCommand } from './send-command.js';
import { registerKeysCommands } from './keys-command.js';
import { registerRoutesCommands } from './routes-command.js';
import { registerTlsCommands } from './tls-command.js';
import { registerAccountsCommands } from './accounts-command.js';
import { registerEncodeCommand } from './encode-command.js';
import { registerNumbersCommands } from './numbers-command.js';
import { registerAbuseCommands } from './abuse-command.js';
import { registerLeasesCommands } from './leases-command.js';
import { registerMasksCommands } from './masks-command.js';
import { registerSessionsCommands } from './sessions-command.js';
import { registerWebhooksCommands } from './webhooks-command.js';
import { registerTokensCommands } from './tokens-command.js';
import { registerAuditCommands } from './audit-command.js';
import { registerStatusCommand } from './status-command.js';
import { registerMessagesCommands } from './messages-command.js';
import { registerContentCommands } from './content-command.js';
import { registerRetentionCommands } from './retention-command.js';
import { registerForgetCommand } from './forget-command.js';

/**
 * The directory holding package.json and config/: the nearest one above this module, which
 * is two levels up in a checkout (src/cli) and three from the compiled dist/src/cli.
 */
function packageRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('package.json not found above the CLI: is the installation complete?');
  }
}

const PACKAGE_ROOT = packageRoot();

/** The bundled demo configuration: what `maskgate start` runs when given no --config. */
export const DEMO_CONFIG_PATH = path.join(PACKAGE_ROOT, 'config', 'demo.yaml');

export interface GlobalOptions {
  config: string;
  json: boolean;
}

/** What a command file gets: a way to read the global options once parsing is done. */
export interface CliContext {
  globals(): GlobalOptions;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('maskgate')
    .description('SMPP gateway that protects personal phone numbers')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .option('-c, --config <file>', 'configuration file (env MASKGATE_CONFIG)', process.env.MASKGATE_CONFIG ?? DEMO_CONFIG_PATH)
    .option('--json', 'print data as JSON on one line', false)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  const ctx: CliContext = { globals: () => program.opts<GlobalOptions>() };
  registerStartCommand(program, ctx);
  registerSimulatorCommand(program, ctx);
  registerSendCommand(program, ctx);
  registerConfigCommands(program, ctx);
  registerKeysCommands(program, ctx);
  registerRoutesCommands(program, ctx);
  registerTlsCommands(program, ctx);
  registerAccountsCommands(program, ctx);
  registerEncodeCommand(program, ctx);
  registerNumbersCommands(program, ctx);
  registerAbuseCommands(program, ctx);
  registerLeasesCommands(program, ctx);
  registerTokensCommands(program, ctx);
  registerMasksCommands(program, ctx);
  registerSessionsCommands(program, ctx);
  registerWebhooksCommands(program, ctx);
  registerAuditCommands(program, ctx);
  registerStatusCommand(program, ctx);
  registerMessagesCommands(program, ctx);
  registerContentCommands(program, ctx);
  registerRetentionCommands(program, ctx);
  registerForgetCommand(program, ctx);
  return program;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0.
      return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    const gatewayError = asGatewayError(err);
    printError(gatewayError.message);
    return exitCodeFor(gatewayError.code);
  }
}
