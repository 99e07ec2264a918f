/**
 * `maskgate content …`: the content rules (configuration `contentRules`) and the messages
 * they hold. `rules` lists the rules of the configuration; `held` lists held messages (never
 * their text); `release` and `drop` decide one, audited with the operator as actor. The
 * running daemon acts on the decision at its dispatcher's next look: a released message is
 * sent, a dropped one ends REJECTED with the receipt its client asked for.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/loader.js';
import { HeldMessages, type HeldMessage } from '../messages/held-messages.js';
import { openRoutingStore } from '../store/routing-store.js';
import { CliAudit } from './cli-audit.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';
import { isoTime, renderTable } from './table.js';

/** Opens the routing store for one command and closes it whatever happens. */
function withHeld<T>(ctx: CliContext, run: (held: HeldMessages, audit: CliAudit) => T): T {
  const { db, auditKey } = openRoutingStore(loadConfig(ctx.globals().config));
  try {
    return run(new HeldMessages(db), new CliAudit(db, auditKey));
  } finally {
    db.close();
  }
}

const heldDetail = (m: HeldMessage) => ({ account: m.account, rule: m.rule });

export function registerContentCommands(program: Command, ctx: CliContext): void {
  const json = () => ({ json: ctx.globals().json });
  const content = program.command('content').description('content rules on submits, and the messages they hold');

  content
    .command('rules')
    .description('list the content rules of the configuration, in the order they are tried')
    .action(() => {
      const rules = loadConfig(ctx.globals().config).contentRules;
      printResult(rules, json(), () =>
        rules.length === 0
          ? 'no content rules are configured (contentRules)'
          : renderTable(
              ['name', 'action', 'accounts', 'match'],
              rules.map((r) => [
                r.name,
                r.action,
                r.accounts?.join(',') ?? 'all',
                [r.match.keywords && `keywords: ${r.match.keywords.join(', ')}`, r.match.regex && `regex: /${r.match.regex}/`, r.match.caseSensitive ? '(case-sensitive)' : undefined].filter(Boolean).join('; '),
              ]),
            ),
      );
    });

  content
    .command('held')
    .description('list the messages content rules hold: id, account, rule, when (never their text)')
    .option('--account <system_id>', "only this account's")
    .action((opts: { account?: string }) => {
      const held = withHeld(ctx, (book) => book.list(opts.account === undefined ? {} : { account: opts.account }));
      printResult(held, json(), () =>
        held.length === 0
          ? 'no message is held'
          : renderTable(
              ['id', 'account', 'rule', 'submitted', 'valid until'],
              held.map((m) => [m.id, m.account, m.rule, isoTime(m.submittedAt), isoTime(m.validUntil)]),
            ),
      );
    });

  content
    .command('release <id>')
    .description('send a held message: the running daemon queues it at once')
    .action((id: string) => {
      const released = withHeld(ctx, (book, audit) => audit.change(() => book.release(id), (m) => ({ action: 'content.release', subject: m.id, detail: heldDetail(m) })));
      printResult({ released: released.id, ...heldDetail(released) }, json(), () => `released message ${released.id} (held by rule ${released.rule}); the daemon sends it within a second`);
    });

  content
    .command('drop <id>')
    .description('refuse a held message: it ends REJECTED, with a receipt if its client asked for one')
    .action((id: string) => {
      const dropped = withHeld(ctx, (book, audit) => audit.change(() => book.drop(id), (m) => ({ action: 'content.drop', subject: m.id, detail: heldDetail(m) })));
      printResult({ dropped: dropped.id, ...heldDetail(dropped) }, json(), () => `dropped message ${dropped.id} (held by rule ${dropped.rule}); the daemon ends it REJECTED within a second`);
    });
}
