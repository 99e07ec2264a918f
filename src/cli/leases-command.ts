/**
 * `maskgate leases …`: temporary numbers (numbers/leases.ts) from the operator's seat:
 * request one for an account, release it, list and show them. The store decides (selection,
 * exclusivity, cooldown), so a lease made here and one made by the running daemon never
 * share a number; the daemon routes MO by the store, so a lease applies at once.
 */
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/loader.js';
import { LeaseBook, type Lease } from '../numbers/leases.js';
import { openRoutingStore } from '../store/routing-store.js';
import { CliAudit } from './cli-audit.js';
import { DURATION_HELP, durationOption } from './duration.js';
import { addListAndShow, stateCell, stateLine, withState, type Shown } from './holder-state.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';
import { isoTime, renderTable } from './table.js';

/** Opens the store for one command and closes it whatever happens. */
function withLeases<T>(ctx: CliContext, run: (leases: LeaseBook, audit: CliAudit) => T): T {
  const config = loadConfig(ctx.globals().config);
  const { db, auditKey } = openRoutingStore(config);
  try {
    return run(new LeaseBook(db, config.numbers.leases), new CliAudit(db, auditKey));
  } finally {
    db.close();
  }
}

type ShownLease = Shown<Lease>;

function render(l: ShownLease): string {
  return [
    `lease      ${l.id}`,
    `number     ${l.number}`,
    `account    ${l.account}`,
    `reference  ${l.reference ?? '-'}`,
    `state      ${stateLine(l)}`,
    `created    ${isoTime(l.createdAt)}`,
    `expires    ${isoTime(l.expiresAt)}`,
    `messages   ${l.messages}${l.messageCap === null ? ' (no cap)' : ` of ${l.messageCap}`}`,
  ].join('\n');
}

function renderList(leases: ShownLease[], filtered: boolean): string {
  if (leases.length === 0) return filtered ? 'no leases match these filters' : 'no leases; request one with `maskgate leases request --account A --ttl 30m`';
  return renderTable(
    ['ID', 'NUMBER', 'ACCOUNT', 'STATE', 'EXPIRES', 'MESSAGES', 'REFERENCE'],
    leases.map((l) => [l.id, l.number, l.account, stateCell(l), isoTime(l.expiresAt), l.messageCap === null ? String(l.messages) : `${l.messages}/${l.messageCap}`, l.reference ?? '-']),
  );
}

const wholeNumber = (flag: string) => (value: string): number => {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError(`${flag} takes a whole number of messages, at least 1; got ${JSON.stringify(value)}`);
  return Number(value);
};

interface RequestOptions {
  account: string;
  ttl: number;
  country?: string;
  region?: string;
  carrier?: string;
  cap?: number;
  reference?: string;
}

export function registerLeasesCommands(program: Command, ctx: CliContext): void {
  const leases = program.command('leases').description('temporary numbers: a pool number leased to one account for a while');
  const json = () => ({ json: ctx.globals().json });

  leases
    .command('request')
    .description('lease a number to an account: the least recently used eligible number of the pool')
    .requiredOption('--account <system_id>', 'the account that gets the number (and every MO to it)')
    .requiredOption('--ttl <duration>', `how long the lease lasts: ${DURATION_HELP}`, durationOption('--ttl'))
    .option('--country <code>', 'only a number of this country (ISO 3166-1 alpha-2, e.g. UZ)')
    .option('--region <region>', 'only a number of this region, as imported')
    .option('--carrier <name>', 'only a number hosted by this carrier')
    .option('--cap <messages>', 'end the lease after this many MO delivered through it', wholeNumber('--cap'))
    .option('--reference <text>', "the account's own reference, kept with the lease")
    .addHelpText('after', '\nNo number available (all leased, cooling, quarantined, ... or none match) exits 1 at once, naming the pool and why; try again later or add numbers.')
    .action((opts: RequestOptions) => {
      const lease = withLeases(ctx, (book, audit) =>
        audit.change(
          () => book.request({ account: opts.account, ttlMs: opts.ttl, country: opts.country, region: opts.region, carrier: opts.carrier, messageCap: opts.cap, reference: opts.reference }),
          (l) => ({ action: 'lease.request', subject: l.id, detail: { account: l.account, poolNumber: l.number, expiresAt: l.expiresAt, messageCap: l.messageCap } }),
        ),
      );
      const view = withState(lease);
      printResult(view, json(), () => `leased ${lease.number} to ${lease.account} until ${isoTime(lease.expiresAt)}\n${render(view)}`);
    });

  leases
    .command('release <id>')
    .description('end a lease now; its number then cools down before it is leased again')
    .action((id: string) => {
      const lease = withState(
        withLeases(ctx, (book, audit) => audit.change(() => book.release(id), (l) => ({ action: 'lease.release', subject: l.id, detail: { account: l.account, poolNumber: l.number } }))),
      );
      printResult(lease, json(), () => `released ${lease.id} (${lease.number})\n${render(lease)}`);
    });

  addListAndShow(leases, {
    plural: 'leases',
    list: (filter) => withLeases(ctx, (book) => book.list(filter)),
    require: (id) => withLeases(ctx, (book) => book.require(id)),
    render,
    renderList,
    json,
  });
}
