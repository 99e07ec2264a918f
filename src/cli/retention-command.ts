/**
 * `maskgate retention run [--dry-run]`: one retention pass (store/retention.ts) from the
 * operator's seat, beside the running daemon or without it, under the configuration's
 * `retention` times. It works in the same short batches as the daemon's passes, so SMPP
 * traffic goes on meanwhile, and is audited (`retention.run`, the operator as actor).
 * `--dry-run` counts what would go, per class with the oldest date, and changes nothing.
 */
import type { Command } from 'commander';
import { loadConfig } from '../config/loader.js';
import { openContactStore } from '../store/contact-store.js';
import { RETENTION_CLASSES, Retention, type RetentionReport } from '../store/retention.js';
import { retentionDetail } from '../store/retention-schedule.js';
import { openRoutingStore } from '../store/routing-store.js';
import { CliAudit } from './cli-audit.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';
import { isoTime, renderTable } from './table.js';

/** What each class is, for the operator reading the table. */
const CLASS_LABEL: Record<(typeof RETENTION_CLASSES)[number], string> = {
  messageBodies: 'message bodies (addresses and text)',
  messages: 'message records with their attempts',
  leases: 'ended leases',
  masks: 'ended masks',
  sessions: 'ended proxy sessions',
  contacts: 'real numbers no mask or session names',
  deadWebhooks: 'dead-lettered webhooks',
};

function render(report: RetentionReport, dryRun: boolean): string {
  const rows = RETENTION_CLASSES.map((c) => [c, String(report[c].count), isoTime(report[c].oldest), CLASS_LABEL[c]]);
  return `${renderTable(['class', dryRun ? 'would purge' : 'purged', 'oldest', 'what'], rows)}${dryRun ? '\n(dry run: nothing was changed)' : ''}`;
}

export function registerRetentionCommands(program: Command, ctx: CliContext): void {
  const retention = program.command('retention').description('purge what is past its retention time (configuration: retention)');
  retention
    .command('run')
    .description('run one retention pass now; with --dry-run, only count what would go')
    .option('--dry-run', 'count what would be purged, per class, and change nothing', false)
    .action(async (opts: { dryRun: boolean }) => {
      const config = loadConfig(ctx.globals().config);
      const contacts = openContactStore(config);
      try {
        const { db, auditKey } = openRoutingStore(config);
        try {
          const pass = new Retention({ db, contactsDb: contacts.db, contacts: contacts.contacts, policy: config.retention });
          const report = opts.dryRun ? pass.plan() : await pass.run();
          if (!opts.dryRun) new CliAudit(db, auditKey).record({ action: 'retention.run', detail: retentionDetail(report) });
          printResult({ dryRun: opts.dryRun, classes: report }, { json: ctx.globals().json }, () => render(report, opts.dryRun));
        } finally {
          db.close();
        }
      } finally {
        contacts.db.close();
      }
    });
}
