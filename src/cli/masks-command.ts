/**
 * `maskgate masks …`: privacy aliases of real numbers (numbers/relays.ts) from the
 * operator's seat: create one for an account, revoke it, list and show them. The real number
 * goes into the contact store and is never printed: a mask shows its alias (what the account
 * writes to) and its pool number (what the real party hears from). The running daemon finds
 * masks in the store, so a new one works at once.
 */
import type { Command } from 'commander';
import type { MaskView } from '../numbers/relays.js';
import { DURATION_HELP, durationOption } from './duration.js';
import { addListAndShow, stateCell, stateLine, withState, type Shown } from './holder-state.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';
import { REAL_NUMBER_HELP, realNumbers, withRelays } from './relay-cli.js';
import { isoTime, renderTable } from './table.js';

function render(m: Shown<MaskView>): string {
  return [
    `mask       ${m.id}`,
    `account    ${m.account}`,
    `alias      ${m.alias}  (the account sends to it and hears from it)`,
    `number     ${m.number}  (the pool number the real party hears from and replies to)`,
    `reference  ${m.reference ?? '-'}`,
    `state      ${stateLine(m)}`,
    `created    ${isoTime(m.createdAt)}`,
    `expires    ${isoTime(m.expiresAt)}`,
  ].join('\n');
}

function renderList(masks: Shown<MaskView>[], filtered: boolean): string {
  if (masks.length === 0) return filtered ? 'no masks match these filters' : 'no masks; create one with `maskgate masks create --account A --number - --ttl 1h`';
  return renderTable(
    ['ID', 'ACCOUNT', 'ALIAS', 'NUMBER', 'STATE', 'EXPIRES', 'REFERENCE'],
    masks.map((m) => [m.id, m.account, m.alias, m.number, stateCell(m), isoTime(m.expiresAt), m.reference ?? '-']),
  );
}

interface CreateOptions {
  account: string;
  number?: string;
  ttl: number;
  country?: string;
  carrier?: string;
  reference?: string;
}

export function registerMasksCommands(program: Command, ctx: CliContext): void {
  const masks = program.command('masks').description('privacy aliases: an account reaches a real number through an alias, never learning it');
  const json = () => ({ json: ctx.globals().json });

  masks
    .command('create')
    .description("mask a real number for an account: prints the alias and the pool number, never the real number")
    .requiredOption('--account <system_id>', 'the account that gets the alias')
    .option('--number <e164>', 'the real number (E.164), or - to read it from standard input')
    .requiredOption('--ttl <duration>', `how long the mask lasts: ${DURATION_HELP}`, durationOption('--ttl'))
    .option('--country <code>', "take the pool number from this country (default: the real number's)")
    .option('--carrier <name>', 'take the pool number from this carrier')
    .option('--reference <text>', "the account's own reference, kept with the mask")
    .addHelpText('after', `${REAL_NUMBER_HELP}\n\nNo pool number available exits 1, naming the pool and why.`)
    .action(async (opts: CreateOptions) => {
      const [realNumber] = await realNumbers([{ flag: '--number', value: opts.number }]);
      const mask = withState(
        withRelays(ctx, (relays, audit) =>
          audit.change(
            () => relays.createMask({ account: opts.account, realNumber: realNumber!, ttlMs: opts.ttl, country: opts.country, carrier: opts.carrier, reference: opts.reference }),
            (m) => ({ action: 'mask.create', subject: m.id, detail: { account: m.account, poolNumber: m.number, expiresAt: m.expiresAt } }),
          ),
        ),
      );
      printResult(mask, json(), () => `created mask ${mask.id}: ${opts.account} writes to ${mask.alias}; the party hears from ${mask.number}\n${render(mask)}`);
    });

  addListAndShow(masks, {
    plural: 'masks',
    list: (filter) => withRelays(ctx, (relays) => relays.listMasks(filter)),
    require: (id) => withRelays(ctx, (relays) => relays.requireMask(id)),
    render,
    renderList,
    json,
  });

  masks
    .command('revoke <id>')
    .description('end a mask now: its alias no longer reaches the real number, and replies no longer reach the account')
    .action((id: string) => {
      const mask = withState(
        withRelays(ctx, (relays, audit) => audit.change(() => relays.revokeMask(id), (m) => ({ action: 'mask.revoke', subject: m.id, detail: { account: m.account, poolNumber: m.number } }))),
      );
      printResult(mask, json(), () => `revoked mask ${mask.id} (alias ${mask.alias})\n${render(mask)}`);
    });
}
