/**
 * `maskgate keys init [--force]`: makes a new master key where the configuration looks for
 * it. With `keys.masterKeyFile` it writes the file (0600); with `keys.masterKeyEnv` maskgate
 * cannot set the variable for the operator, so it prints the key once and writes nothing.
 * Replacing an existing key orphans everything encrypted under it, hence --force.
 */
import type { Command } from 'commander';
import { loadConfig, resolveConfigPath, type LoadedConfig } from '../config/loader.js';
import { GatewayError } from '../errors.js';
import { generateMasterKey, writeMasterKeyFile } from '../keys/master-key.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';

export function registerKeysCommands(program: Command, ctx: CliContext): void {
  const keys = program.command('keys').description('manage the master key the stores are encrypted under');
  keys
    .command('init')
    .description('make a new master key at keys.masterKeyFile (or print one for keys.masterKeyEnv)')
    .option('--force', 'replace an existing key: data encrypted under it becomes unreadable', false)
    .action((opts: { force: boolean }) => {
      const globals = ctx.globals();
      init(loadConfig(globals.config), opts.force, globals.json);
    });
}

function init(config: LoadedConfig, force: boolean, json: boolean): void {
  const key = generateMasterKey();
  const { masterKeyFile, masterKeyEnv } = config.keys;
  if (masterKeyFile !== undefined) {
    const file = resolveConfigPath(config, masterKeyFile);
    writeMasterKeyFile(file, key, { force });
    printResult({ file }, { json }, () =>
      [
        `wrote a new master key to ${file} (mode 0600)`,
        'Back it up somewhere apart from the stores: without it their encrypted data cannot be read.',
      ].join('\n'),
    );
    return;
  }
  // The schema allows exactly one of the two sources.
  if (masterKeyEnv === undefined) throw new GatewayError('INTERNAL', 'keys: neither masterKeyFile nor masterKeyEnv is set');
  // A variable already set may hold the key existing stores were made with.
  if (!force && process.env[masterKeyEnv]) {
    throw new GatewayError(
      'USAGE',
      `environment variable ${masterKeyEnv} is already set; replacing its key makes everything encrypted under the old key unreadable. Keep it, or run \`maskgate keys init --force\` to make a new one`,
    );
  }
  const encoded = key.toString('base64');
  printResult({ env: masterKeyEnv, key: encoded }, { json }, () =>
    [
      `a new master key for keys.masterKeyEnv; store it in the environment variable ${masterKeyEnv} (e.g. through your secret manager) and back it up.`,
      'It is shown only this once and written nowhere:',
      encoded,
    ].join('\n'),
  );
}
