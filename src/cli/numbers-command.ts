/**
 * `maskgate numbers …`: the virtual-number pool in the routing store (import from CSV, list,
 * show, quarantine, release-quarantine, retire). A running daemon reads the pool from the
 * store, so changes apply to its next decision without a restart.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/loader.js';
import { GatewayError } from '../errors.js';
import { CAPABILITIES, CSV_COLUMNS } from '../numbers/number-csv.js';
import { NUMBER_STATES, NumberPool, type NumberFilter, type PoolNumber, type StateChange } from '../numbers/number-pool.js';
import { openRoutingStore } from '../store/routing-store.js';
import { CliAudit } from './cli-audit.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';

const CSV_HELP = `
The file is CSV (comma-separated, UTF-8) with a header row naming the columns, in any order:
  e164          required  the number: +, country code, national number (e.g. +998712001234)
  country       required  ISO 3166-1 alpha-2 (e.g. UZ); must match the number's prefix
  region        optional  free text (e.g. Tashkent), used by filters and lease preferences
  carrier       required  the configured carrier hosting the number; an unknown name is
                          imported with a warning
  capabilities  optional  ${CAPABILITIES.join(' and/or ')}, separated by ';'; empty means both
  reserved      optional  yes or no (true/false, 1/0); empty means no. Reserved numbers are
                          never handed out automatically.

Example:
  ${CSV_COLUMNS.join(',')}
  +998712001234,UZ,Tashkent,uz-alpha,sms-mt;sms-mo,no

The import is all or nothing: if any row is wrong (not a valid number, a country that does
not match the prefix, a number twice in the file or already in the pool…), nothing is
imported and every problem is listed with its line number (the header is line 1).
`;

/** Opens the store for one command and closes it whatever happens. */
function withPool<T>(ctx: CliContext, run: (pool: NumberPool, config: LoadedConfig, audit: CliAudit) => T): T {
  const config = loadConfig(ctx.globals().config);
  const { db, auditKey } = openRoutingStore(config);
  try {
    return run(new NumberPool(db), config, new CliAudit(db, auditKey));
  } finally {
    db.close();
  }
}

function readCsv(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new GatewayError('USAGE', `cannot read ${file}: ${reason}; give the path of a CSV file (see \`maskgate numbers import --help\`)`);
  }
}

const time = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toISOString());

/** The state with what explains it: who holds a leased number until when, when cooling ends. */
function stateDetail(n: PoolNumber): string {
  const lease = n.lease && `${n.lease.account} until ${time(n.lease.expiresAt)} (${n.lease.id})`;
  if (n.state === 'leased') return `leased to ${lease}`;
  if (n.state === 'cooling') return `cooling down until ${time(n.coolingUntil)}`;
  return lease ? `${n.state} (still leased to ${lease})` : n.state;
}

function render(n: PoolNumber, knownCarriers: readonly string[]): string {
  const carrierNote = knownCarriers.includes(n.carrier) ? '' : '  (not in the configuration)';
  return [
    `number        ${n.e164}`,
    `country       ${n.country}`,
    `region        ${n.region ?? '-'}`,
    `carrier       ${n.carrier}${carrierNote}`,
    `capabilities  ${n.capabilities.join(', ')}`,
    `reserved      ${n.reserved ? 'yes' : 'no'}`,
    `state         ${stateDetail(n)}`,
    `leases        ${n.leaseCount}`,
    `last used     ${time(n.lastUsedAt)}`,
    `created       ${time(n.createdAt)}`,
    `updated       ${time(n.updatedAt)}`,
  ].join('\n');
}

function renderList(numbers: PoolNumber[], filtered: boolean): string {
  if (numbers.length === 0) {
    return filtered ? 'no numbers match these filters' : 'the pool is empty; add numbers with `maskgate numbers import FILE.csv`';
  }
  const rows = numbers.map((n) => [n.e164, n.country, n.region ?? '-', n.carrier, n.state, n.reserved ? 'yes' : 'no', n.capabilities.join(','), String(n.leaseCount)]);
  const header = ['NUMBER', 'COUNTRY', 'REGION', 'CARRIER', 'STATE', 'RESERVED', 'CAPABILITIES', 'LEASES'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

export function registerNumbersCommands(program: Command, ctx: CliContext): void {
  const numbers = program.command('numbers').description('manage the pool of virtual numbers in the routing store');
  const json = () => ({ json: ctx.globals().json });
  const carriersOf = (config: LoadedConfig) => config.carriers.map((c) => c.name);

  numbers
    .command('import <file>')
    .description('add the numbers of a CSV file to the pool, all or none')
    .addHelpText('after', CSV_HELP)
    .action((file: string) => {
      const csv = readCsv(file);
      const result = withPool(ctx, (pool, config, audit) =>
        audit.change(
          () => pool.import(csv, { source: file, knownCarriers: carriersOf(config) }),
          (r) => ({ action: 'number.import', subject: path.basename(file), detail: { imported: r.imported, warnings: r.warnings.length } }),
        ),
      );
      printResult(result, json(), () =>
        [`imported ${result.imported} number${result.imported === 1 ? '' : 's'} from ${file}`, ...result.warnings.map((w) => `warning: ${w}`)].join('\n'),
      );
    });

  numbers
    .command('list')
    .description('list the pool, optionally filtered (filters combine)')
    .option('--country <code>', 'ISO 3166-1 alpha-2 country, e.g. UZ')
    .option('--region <region>', 'region, as imported (case does not matter)')
    .option('--carrier <name>', 'hosting carrier')
    .addOption(new Option('--state <state>', 'state: leased (a lease is in force), cooling (after a lease), available (neither), quarantined or retired').choices(NUMBER_STATES))
    .action((filter: NumberFilter) => {
      const listed = withPool(ctx, (pool) => pool.list(filter));
      printResult(listed, json(), () => renderList(listed, Object.values(filter).some((v) => v !== undefined)));
    });

  numbers
    .command('show <e164>')
    .description('show one number of the pool')
    .action((e164: string) => {
      const [found, known] = withPool(ctx, (pool, config) => [pool.require(e164), carriersOf(config)] as const);
      printResult(found, json(), () => render(found, known));
    });

  for (const [action, description, done] of [
    ['quarantine', 'hold an available number back: it is not handed out until released', 'quarantined'],
    ['release-quarantine', 'make a quarantined number available again', 'released from quarantine'],
    ['retire', 'take a number out of use for good (it stays listed)', 'retired'],
  ] as const satisfies readonly (readonly [StateChange, string, string])[]) {
    numbers
      .command(`${action} <e164>`)
      .description(description)
      .action((e164: string) => {
        const [changed, known] = withPool(ctx, (pool, config, audit) => {
          const done = audit.change(() => pool.change(e164, action), (n) => ({ action: `number.${action}`, subject: n.e164, detail: { state: n.state } }));
          return [done, carriersOf(config)] as const;
        });
        printResult(changed, json(), () => `${done} ${changed.e164}\n${render(changed, known)}`);
      });
  }
}
