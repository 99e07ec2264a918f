/**
 * `maskgate keys init [--force]`: makes a new master key where the configuration looks for
 * it. With `keys.masterKeyFile` it writes the file (0600); with `keys.masterKeyEnv` maskgate
 * cannot set the variable for the operator, so it prints the key once and writes nothing.
 * Replacing an existing key orphans everything encrypted under it, hence --force.
 *
 * `maskgate keys rotate [--batch N]`: a new master key, every record of both stores re-sealed
 * under it while the daemon runs, the old key removed (store/key-rotation.ts).
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig, resolveConfigPath, type LoadedConfig } from '../config/loader.js';
import { GatewayError } from '../errors.js';
import { writeMasterKeyFile } from '../keys/key-file.js';
import { generateMasterKey } from '../keys/master-key.js';
import { rotateKeys, type RotationReport } from '../store/key-rotation.js';
import { printError, printLine, printResult } from './output.js';
import { openRoutingStore } from '../store/routing-store.js';
import { auditOutsideStore, CliAudit } from './cli-audit.js';
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
  keys
    .command('rotate')
    .description('re-encrypt both stores under a new master key, online, and retire the old key')
    .option('--batch <n>', 'records re-sealed per transaction (the daemon writes between them)', '500')
    .action(async (opts: { batch: string }) => {
      const globals = ctx.globals();
      const batch = Number(opts.batch);
      if (!Number.isInteger(batch) || batch < 1 || batch > 100_000) {
        throw new GatewayError('USAGE', `--batch must be a whole number from 1 to 100000, got ${opts.batch}`);
      }
      const config = loadConfig(globals.config);
      // The start is recorded before anything changes: a rotation that fails half way shows as started, not finished.
      if (config.keys.masterKeyFile !== undefined) recordRotationStart(config); // else rotateKeys refuses, saying why
      const report = await rotateKeys(config, { batch, progress: globals.json ? undefined : printLine });
      const resealed = Object.values(report.resealed).flatMap((tables) => Object.values(tables)).reduce((a, b) => a + b, 0);
      const note = auditOutsideStore(config, { action: 'key.rotate.finish', detail: { version: report.version, retired: report.retired.join(','), resumed: report.resumed, resealed } });
      printResult(report, { json: globals.json }, () => describeRotation(report));
      if (note !== undefined) printError(`the rotation was not recorded in the audit trail: ${note}`);
    });
}

/** The audit row of a rotation's start, with the version it starts from (from the key ring as loaded). */
function recordRotationStart(config: LoadedConfig): void {
  const { db, keyRing, auditKey } = openRoutingStore(config);
  try {
    new CliAudit(db, auditKey).record({ action: 'key.rotate.start', detail: { fromVersion: keyRing.currentVersion, resuming: keyRing.masters.size > 1 } });
  } finally {
    db.close();
  }
}

function describeRotation(r: RotationReport): string {
  const counts = Object.entries(r.resealed).map(([store, tables]) => `  ${store}: ${Object.entries(tables).map(([table, n]) => `${table} ${n}`).join(', ')}`);
  return [
    `${r.resumed ? 'finished the rotation' : 'rotated'} to master key version ${r.version}; retired version(s) ${r.retired.join(', ') || 'none'}${r.daemon ? ' (the running daemon took the new key)' : ''}`,
    'records re-sealed:',
    ...counts,
    'Back up the key file now: the backup of the old key opens nothing any more.',
  ].join('\n');
}

function init(config: LoadedConfig, force: boolean, json: boolean): void {
  const key = generateMasterKey();
  const { masterKeyFile, masterKeyEnv } = config.keys;
  if (masterKeyFile !== undefined) {
    const file = resolveConfigPath(config, masterKeyFile);
    // Replacing a key in use is recorded first, under the old key: the new one will not open the store.
    const note = force && existsSync(file) ? auditOutsideStore(config, { action: 'key.init', detail: { replaced: true } }) : undefined;
    writeMasterKeyFile(file, new Map([[1, key]]), { replace: force });
    if (note !== undefined) printError(`the new key was not recorded in the audit trail: ${note}`);
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
