/**
 * `maskgate tls init [--dir DIR] [--hosts a,b] [--force]`: a private CA and a server
 * certificate it signs, for the SMPP TLS listener. Clients trust ca.pem; the CA's key is
 * never written, so nobody can issue more certificates under it (make a new CA instead).
 * The directory defaults to where `smpp.tls.certFile` lives, or `<configDir>/../data/tls`
 * when TLS is not configured yet. Replacing a certificate that clients already pinned
 * breaks them, hence --force.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, resolveConfigPath, type LoadedConfig } from '../config/loader.js';
import { GatewayError } from '../errors.js';
import { createCertificateAuthority, issueServerCertificate, writeTlsMaterial, type TlsMaterialFiles } from '../keys/tls-material.js';
import { printError, printResult } from './output.js';
import { auditOutsideStore } from './cli-audit.js';
import type { CliContext } from './program.js';

const DEFAULT_HOSTS = 'localhost,127.0.0.1,::1';
// Ten years for a private CA that only this gateway's clients trust; the server certificate
// is re-issued far more often, so it stays within the 825 days clients commonly accept.
const CA_VALID_DAYS = 3650;
const SERVER_VALID_DAYS = 825;

interface InitOptions {
  dir?: string;
  hosts: string;
  force: boolean;
}

export function registerTlsCommands(program: Command, ctx: CliContext): void {
  const tls = program.command('tls').description('manage the TLS material of the SMPP TLS listener');
  tls
    .command('init')
    .description('make a CA (ca.pem) and a server certificate (server.pem, server.key) it signs')
    .option('--dir <dir>', 'where to write them (default: the directory of smpp.tls.certFile, else <config dir>/../data/tls)')
    .option('--hosts <list>', 'comma-separated host names and IP addresses the certificate is valid for', DEFAULT_HOSTS)
    .option('--force', 'replace existing files: clients that trust the old CA must get the new ca.pem', false)
    .action(async (opts: InitOptions) => {
      const globals = ctx.globals();
      await init(loadConfig(globals.config), opts, globals.json);
    });
}

function defaultDir(config: LoadedConfig): string {
  const certFile = config.smpp.tls?.certFile;
  return certFile !== undefined ? path.dirname(resolveConfigPath(config, certFile)) : resolveConfigPath(config, '../data/tls');
}

function parseHosts(list: string): string[] {
  const hosts = list
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h.length > 0);
  if (hosts.length === 0) throw new GatewayError('USAGE', `--hosts names no host; give a comma-separated list such as ${DEFAULT_HOSTS}`);
  return hosts;
}

async function init(config: LoadedConfig, opts: InitOptions, json: boolean): Promise<void> {
  const hosts = parseHosts(opts.hosts);
  const dir = opts.dir !== undefined ? path.resolve(opts.dir) : defaultDir(config);
  const names = ['ca.pem', 'server.pem', 'server.key'];
  const existing = names.filter((n) => existsSync(path.join(dir, n)));
  if (existing.length > 0 && !opts.force) {
    throw new GatewayError(
      'USAGE',
      `${existing.join(', ')} already exist in ${dir}; clients that trust the current CA would be locked out by a new one. Keep them, choose another --dir, or run \`maskgate tls init --force\` to replace them`,
    );
  }
  const ca = await createCertificateAuthority({ commonName: 'maskgate SMPP CA', validDays: CA_VALID_DAYS });
  const server = await issueServerCertificate(ca, { commonName: hosts[0]!, hosts, validDays: SERVER_VALID_DAYS });
  const files = await writeTlsMaterial(dir, { ca, server });
  const note = auditOutsideStore(config, { action: 'tls.init', subject: dir, detail: { hosts: hosts.join(','), replaced: existing.length > 0 } });
  printResult({ ...files, hosts }, { json }, () => human(config, files, hosts));
  if (note !== undefined) printError(`the new TLS material was not recorded in the audit trail: ${note}`);
}

function human(config: LoadedConfig, files: TlsMaterialFiles, hosts: string[]): string {
  const lines = [
    `wrote a CA and a server certificate for ${hosts.join(', ')}:`,
    `  CA certificate (give it to clients): ${files.caCertPath}`,
    `  server certificate: ${files.certPath}`,
    `  server key (mode 0600): ${files.keyPath}`,
  ];
  const tls = config.smpp.tls;
  const configured = tls !== undefined && resolveConfigPath(config, tls.certFile) === files.certPath && resolveConfigPath(config, tls.keyFile) === files.keyPath;
  if (!configured) lines.push(`Point smpp.tls.certFile and smpp.tls.keyFile at these two files to use them.`);
  return lines.join('\n');
}
