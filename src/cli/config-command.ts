/**
 * `maskgate config check [file]`: validates a configuration file without opening a socket.
 * It checks structure only. Secrets are not needed for that, but the ones the file names and
 * that this machine cannot provide are listed as warnings (exit code stays 0), since
 * `maskgate start` will stop on them.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, GatewayError, type ConfigIssue } from '../errors.js';
import { loadConfig, resolveConfigPath, type LoadedConfig } from '../config/loader.js';
import { exitCodeFor } from './exit-codes.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';

export function registerConfigCommands(program: Command, ctx: CliContext): void {
  const config = program.command('config').description('work with configuration files');
  config
    .command('check [file]')
    .description('validate a configuration file and list every problem with its path (default: the --config file)')
    .action((file: string | undefined) => {
      const globals = ctx.globals();
      check(file ?? globals.config, globals.json);
    });
}

function check(file: string, json: boolean): void {
  const source = path.resolve(file);
  let config: LoadedConfig;
  try {
    config = loadConfig(source);
  } catch (err) {
    // Without --json, program.ts prints the error (every issue) to stderr and exits 2.
    if (!json || !(err instanceof GatewayError) || (err.code !== 'CONFIG_INVALID' && err.code !== 'CONFIG_UNREADABLE')) throw err;
    const issues: readonly ConfigIssue[] = err instanceof ConfigError ? err.issues : [{ path: '', message: err.message }];
    printResult({ valid: false, file: source, issues }, { json }, () => err.message);
    process.exitCode = exitCodeFor(err.code);
    return;
  }
  const summary = summarize(config);
  const warnings = missingSecrets(config);
  printResult({ valid: true, file: source, summary, warnings }, { json }, () => renderValid(source, summary, warnings));
}

interface Summary {
  listeners: { protocol: 'smpp' | 'smpp+tls' | 'http'; host: string; port: number }[];
  carriers: string[];
  routes: string[];
  simulatorInstances: number;
  simulatorEmbedded: boolean;
}

function summarize(config: LoadedConfig): Summary {
  const { smpp, http, simulator } = config;
  return {
    listeners: [
      { protocol: 'smpp', host: smpp.tcp.host, port: smpp.tcp.port },
      ...(smpp.tls ? [{ protocol: 'smpp+tls' as const, host: smpp.tls.host, port: smpp.tls.port }] : []),
      ...(http.enabled ? [{ protocol: 'http' as const, host: http.host, port: http.port }] : []),
    ],
    carriers: config.carriers.map((c) => c.name),
    routes: config.routes.map((r) => r.name),
    simulatorInstances: simulator.instances.length,
    simulatorEmbedded: simulator.embedded,
  };
}

function renderValid(source: string, summary: Summary, warnings: readonly ConfigIssue[]): string {
  const names = (list: readonly string[]) => (list.length === 0 ? 'none' : list.join(', '));
  const lines = [
    `${source}: valid`,
    `  listeners:  ${summary.listeners.map((l) => `${l.protocol} ${l.host}:${l.port}`).join(', ')}`,
    `  carriers:   ${summary.carriers.length} (${names(summary.carriers)})`,
    `  routes:     ${summary.routes.length} (${names(summary.routes)})`,
    `  simulator:  ${summary.simulatorInstances} instance${summary.simulatorInstances === 1 ? '' : 's'}${summary.simulatorEmbedded ? ', embedded' : ''}`,
  ];
  if (warnings.length > 0) {
    lines.push('warnings: secrets not available here (`config check` does not need them; `maskgate start` does):');
    lines.push(...warnings.map((w) => `  ${w.path}: ${w.message}`));
  }
  return lines.join('\n');
}

/** One place a secret comes from: an environment variable or a file. */
type SecretSource = { path: string; env: string } | { path: string; file: string };

function sourcesOf(base: string, field: string, env: string | undefined, file: string | undefined): SecretSource[] {
  return [
    ...(env === undefined ? [] : [{ path: `${base}.${field}Env`, env }]),
    ...(file === undefined ? [] : [{ path: `${base}.${field}File`, file }]),
  ];
}

/** Every secret the file names: carrier and simulator passwords, the master key, the control token. */
function secretSources(config: LoadedConfig): SecretSource[] {
  const { carriers, keys, simulator } = config;
  return [
    ...carriers.flatMap((c, i) => sourcesOf(`carriers[${i}]`, 'password', c.passwordEnv, c.passwordFile)),
    ...simulator.instances.flatMap((inst, i) =>
      inst.accounts.flatMap((a, j) => sourcesOf(`simulator.instances[${i}].accounts[${j}]`, 'password', a.passwordEnv, a.passwordFile)),
    ),
    ...sourcesOf('keys', 'masterKey', keys.masterKeyEnv, keys.masterKeyFile),
    ...(simulator.control ? sourcesOf('simulator.control', 'token', simulator.control.tokenEnv, simulator.control.tokenFile) : []),
  ];
}

function missingSecrets(config: LoadedConfig): ConfigIssue[] {
  return secretSources(config).flatMap((source): ConfigIssue[] => {
    if ('env' in source) {
      return process.env[source.env] ? [] : [{ path: source.path, message: `environment variable ${source.env} is not set; export it before starting` }];
    }
    const file = resolveConfigPath(config, source.file);
    try {
      accessSync(file, constants.R_OK);
      return [];
    } catch {
      // The master key has its own command; other secrets are written by hand.
      const fix = source.path === 'keys.masterKeyFile' ? 'create it with `maskgate keys init`' : 'create it before starting';
      return [{ path: source.path, message: `file ${file} is missing or unreadable; ${fix}` }];
    }
  });
}
