/**
 * `maskgate sessions …`: proxy sessions (numbers/relays.ts) from the operator's seat. Two
 * real parties each text a pool number that relays to the other, neither seeing the other's
 * number; this creates, closes, lists and shows them. The real numbers go into the contact
 * store and are never printed: a session shows, per party, its pool number and alias.
 */
import type { Command } from 'commander';
import type { SessionView } from '../numbers/relays.js';
import { DURATION_HELP, durationOption } from './duration.js';
import { addListAndShow, stateCell, stateLine, withState, type Shown } from './holder-state.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';
import { REAL_NUMBER_HELP, realNumbers, withRelays } from './relay-cli.js';
import { isoTime, renderTable } from './table.js';

const PARTY_NAMES = ['A', 'B'];

function render(s: Shown<SessionView>): string {
  return [
    `session    ${s.id}`,
    `account    ${s.account}`,
    ...s.parties.map((p, i) => `party ${PARTY_NAMES[i] ?? i + 1}    texts ${p.number}  (alias ${p.alias}, leg ${p.leg})`),
    `reference  ${s.reference ?? '-'}`,
    `state      ${stateLine(s)}`,
    `created    ${isoTime(s.createdAt)}`,
    `expires    ${isoTime(s.expiresAt)}`,
  ].join('\n');
}

function renderList(sessions: Shown<SessionView>[], filtered: boolean): string {
  if (sessions.length === 0) return filtered ? 'no sessions match these filters' : 'no sessions; create one with `maskgate sessions create --account A --party-a - --party-b - --ttl 1h`';
  return renderTable(
    ['ID', 'ACCOUNT', 'PARTY A TEXTS', 'PARTY B TEXTS', 'STATE', 'EXPIRES', 'REFERENCE'],
    sessions.map((s) => [s.id, s.account, s.parties[0]?.number ?? '-', s.parties[1]?.number ?? '-', stateCell(s), isoTime(s.expiresAt), s.reference ?? '-']),
  );
}

interface CreateOptions {
  account: string;
  partyA?: string;
  partyB?: string;
  ttl: number;
  country?: string;
  carrier?: string;
  reference?: string;
}

export function registerSessionsCommands(program: Command, ctx: CliContext): void {
  const sessions = program.command('sessions').description('proxy sessions: two real parties text each other through pool numbers, neither seeing the other\'s number');
  const json = () => ({ json: ctx.globals().json });

  sessions
    .command('create')
    .description('start a proxy session between two real numbers: prints the pool number each party texts, never the real numbers')
    .requiredOption('--account <system_id>', 'the account that owns the session')
    .option('--party-a <e164>', 'the first real number (E.164), or - to read it from standard input')
    .option('--party-b <e164>', 'the second real number (E.164), or - to read it from standard input (after A\'s, if both are -)')
    .requiredOption('--ttl <duration>', `how long the session lasts: ${DURATION_HELP}`, durationOption('--ttl'))
    .option('--country <code>', "take the pool numbers from this country (default: each party's own)")
    .option('--carrier <name>', 'take the pool numbers from this carrier')
    .option('--reference <text>', "the account's own reference, kept with the session")
    .addHelpText('after', `${REAL_NUMBER_HELP}\n\nNo pool number available exits 1, naming the pool and why.`)
    .action(async (opts: CreateOptions) => {
      const [partyA, partyB] = await realNumbers([
        { flag: '--party-a', value: opts.partyA },
        { flag: '--party-b', value: opts.partyB },
      ]);
      const session = withState(
        withRelays(ctx, (relays, audit) =>
          audit.change(
            () => relays.createSession({ account: opts.account, partyA: partyA!, partyB: partyB!, ttlMs: opts.ttl, country: opts.country, carrier: opts.carrier, reference: opts.reference }),
            (s) => ({ action: 'session.create', subject: s.id, detail: { account: s.account, poolNumbers: s.parties.map((p) => p.number).join(','), expiresAt: s.expiresAt } }),
          ),
        ),
      );
      printResult(session, json(), () => `created session ${session.id}\n${render(session)}`);
    });

  addListAndShow(sessions, {
    plural: 'sessions',
    list: (filter) => withRelays(ctx, (relays) => relays.listSessions(filter)),
    require: (id) => withRelays(ctx, (relays) => relays.requireSession(id)),
    render,
    renderList,
    json,
  });

  sessions
    .command('close <id>')
    .description('end a session now: neither party reaches the other any more')
    .action((id: string) => {
      const session = withState(
        withRelays(ctx, (relays, audit) => audit.change(() => relays.closeSession(id), (s) => ({ action: 'session.close', subject: s.id, detail: { account: s.account } }))),
      );
      printResult(session, json(), () => `closed session ${session.id}\n${render(session)}`);
    });
}
