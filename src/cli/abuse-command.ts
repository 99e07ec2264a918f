/**
 * `maskgate watchlist …` and `maskgate held …`: the abuse controls an operator drives. A
 * watched sender's MO are held (not delivered) until released or dropped here; the running
 * daemon reads the watchlist at every MO and passes released MO on within
 * numbers.abuse.releasePollMs. Quarantined numbers are managed with `maskgate numbers`.
 */
import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/loader.js';
import { GatewayError } from '../errors.js';
import { HeldMo } from '../messages/held-mo.js';
import { entryOf, Watchlist } from '../numbers/watchlist.js';
import { openContactStore } from '../store/contact-store.js';
import { openRoutingStore } from '../store/routing-store.js';
import { CliAudit } from './cli-audit.js';
import type { Database } from '../store/database.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';
import { readStdinValue } from './stdin.js';

const NUMBER_HELP = 'The sender is a real person\'s number: give it on standard input (--number -) so it stays out of shell history and `ps`; an argument works too.';

/** Opens the routing store for one command and closes it whatever happens. */
function withRouting<T>(ctx: CliContext, run: (db: Database, audit: CliAudit, config: LoadedConfig) => T): T {
  const config = loadConfig(ctx.globals().config);
  const { db, auditKey } = openRoutingStore(config);
  try {
    return run(db, new CliAudit(db, auditKey), config);
  } finally {
    db.close();
  }
}

/** The blind index of the sender given with --number (or on stdin with --number -). */
async function senderIndex(ctx: CliContext, number: string | undefined): Promise<string> {
  if (number === undefined) throw new GatewayError('USAGE', `give the sender with --number. ${NUMBER_HELP}`);
  const raw = number === '-' ? (await readStdinValue()).trim() : number;
  const { db, contacts } = openContactStore(loadConfig(ctx.globals().config));
  try {
    return contacts.blindIndex(raw);
  } finally {
    db.close();
  }
}

const time = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());

export function registerAbuseCommands(program: Command, ctx: CliContext): void {
  const json = () => ({ json: ctx.globals().json });

  const watchlist = program.command('watchlist').description('senders whose MO are held for review instead of delivered');
  watchlist
    .command('add')
    .description('watch a sender: its MO are held from now on')
    .option('--number <e164>', 'the sender (E.164), or - to read it from standard input')
    .option('--note <text>', 'why, for the next operator')
    .addHelpText('after', `\n${NUMBER_HELP}`)
    .action(async (opts: { number?: string; note?: string }) => {
      const index = await senderIndex(ctx, opts.number);
      // The entry is the start of the blind index, as `watchlist list` shows it: never the number.
      const added = withRouting(ctx, (db, audit) => audit.change(() => new Watchlist(db).add(index, opts.note), (isNew) => (isNew ? { action: 'watchlist.add', subject: entryOf(index) } : undefined)));
      printResult({ entry: entryOf(index), added }, json(), () => (added ? `watching sender ${entryOf(index)}` : `sender ${entryOf(index)} was watched already`));
    });
  watchlist
    .command('remove')
    .description('stop watching a sender (its held MO stay held: `maskgate held`)')
    .option('--number <e164>', 'the sender (E.164), or - to read it from standard input')
    .action(async (opts: { number?: string }) => {
      const index = await senderIndex(ctx, opts.number);
      const removed = withRouting(ctx, (db, audit) => audit.change(() => new Watchlist(db).remove(index), (done) => (done ? { action: 'watchlist.remove', subject: entryOf(index) } : undefined)));
      if (!removed) throw new GatewayError('USAGE', 'that sender is not on the watchlist; `maskgate watchlist list` shows it');
      printResult({ entry: entryOf(index), removed: true }, json(), () => `no longer watching sender ${entryOf(index)}`);
    });
  watchlist
    .command('list')
    .description('list the watched senders (by the start of their blind index: no numbers are stored)')
    .action(() => {
      const entries = withRouting(ctx, (db) => new Watchlist(db).list());
      printResult(entries, json(), () => (entries.length === 0 ? 'no sender is watched' : entries.map((e) => `${e.entry}  ${time(e.addedAt)}  ${e.note ?? ''}`.trimEnd()).join('\n')));
    });

  const held = program.command('held').description('MO held for review (watched senders): release or drop them');
  const heldMo = (db: Database) => new HeldMo({ db });
  held
    .command('list')
    .description('list held MO: who they are for and when (never their content)')
    .action(() => {
      const rows = withRouting(ctx, (db) => heldMo(db).list());
      printResult(rows, json(), () =>
        rows.length === 0 ? 'no MO is held' : rows.map((r) => `${r.id}  for ${r.recipient}  ${r.reason}  received ${time(r.receivedAt)}${r.releasedAt ? '  (released, passing on)' : ''}`).join('\n'),
      );
    });
  held
    .command('release [id]')
    .description('deliver a held MO (or all with --all); the running daemon passes it on')
    .option('--all', 'release every held MO', false)
    .action((id: string | undefined, opts: { all: boolean }) => {
      if ((id === undefined) !== opts.all) throw new GatewayError('USAGE', 'give one held MO id, or --all');
      const released = withRouting(ctx, (db, audit) => audit.change(() => heldMo(db).release(id), (n) => (n > 0 ? { action: 'held.release', subject: id ?? 'all', detail: { released: n } } : undefined)));
      if (id !== undefined && released === 0) throw new GatewayError('USAGE', `no held MO ${JSON.stringify(id)} waiting; \`maskgate held list\` shows them`);
      printResult({ released }, json(), () => `released ${released} MO; the daemon delivers them within a few seconds`);
    });
  held
    .command('drop <id>')
    .description('delete a held MO unread')
    .action((id: string) => {
      if (withRouting(ctx, (db, audit) => audit.change(() => heldMo(db).drop(id), (n) => (n > 0 ? { action: 'held.drop', subject: id } : undefined))) === 0) throw new GatewayError('USAGE', `no held MO ${JSON.stringify(id)}; \`maskgate held list\` shows them`);
      printResult({ dropped: id }, json(), () => `dropped held MO ${id}`);
    });
}
