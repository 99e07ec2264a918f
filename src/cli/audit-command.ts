/**
 * `maskgate audit verify` and `maskgate audit list`: the hash-chained audit trail
 * (obs/audit.ts) for the operator and the auditor. `verify` walks the whole chain and names
 * every row changed, removed or moved, exiting 1 when it finds one (so a cron job or a
 * monitoring check can alarm on the exit code); `list` shows the trail, newest last.
 */
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/loader.js';
import { AuditLog, type AuditRow, type AuditVerdict } from '../obs/audit.js';
import { openRoutingStore } from '../store/routing-store.js';
import { DURATION_HELP, parseDurationMs } from './duration.js';
import { EXIT } from './exit-codes.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';
import { isoTime, renderTable } from './table.js';

/** What `list` shows when not told otherwise: a screenful of the newest rows. */
const DEFAULT_LIMIT = 100;

export const SINCE_HELP = `${DURATION_HELP} ago, or an ISO 8601 time such as 2024-05-01T00:00:00Z`;

/** A `--since` value: a duration back from now, or an ISO time; epoch ms. */
export const sinceOption = (flag: string, now: () => number = Date.now) => (value: string): number => {
  const ago = parseDurationMs(value);
  if (ago !== null) return now() - ago;
  const at = /^\d{4}-\d\d-\d\d/.test(value.trim()) ? Date.parse(value.trim()) : NaN;
  if (Number.isNaN(at)) throw new InvalidArgumentError(`${flag} takes ${SINCE_HELP}; got ${JSON.stringify(value)}`);
  return at;
};

/** A `--limit` value: a whole number of rows, at least 1. */
export const limitOption = (flag: string) => (value: string): number => {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError(`${flag} takes a whole number of rows, at least 1; got ${JSON.stringify(value)}`);
  return Number(value);
};

function withAudit<T>(ctx: CliContext, run: (audit: AuditLog) => T): T {
  const config = loadConfig(ctx.globals().config);
  const { db, auditKey } = openRoutingStore(config);
  try {
    return run(new AuditLog(db, auditKey));
  } finally {
    db.close();
  }
}

/** `key=value` pairs of a row's detail, for one table cell. */
const detailCell = (detail: Record<string, unknown>): string =>
  Object.entries(detail)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');

function renderRows(rows: AuditRow[], filtered: boolean): string {
  if (rows.length === 0) return filtered ? 'no audit rows match these filters' : 'the audit trail is empty';
  return renderTable(
    ['SEQ', 'TIME', 'ACTOR', 'ACTION', 'SUBJECT', 'DETAIL'],
    rows.map((r) => [String(r.seq), isoTime(r.at), r.actor, r.action, r.subject ?? '-', detailCell(r.detail)]),
  );
}

function renderVerdict(v: AuditVerdict): string {
  if (v.ok) return `audit trail intact: ${v.rows} row${v.rows === 1 ? '' : 's'}, every hash and link checks out`;
  return [
    `audit trail NOT intact: ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'} in ${v.rows} rows`,
    ...v.problems.map((p) => `  row ${p.seq}  ${p.kind.padEnd(12)}  ${p.message}`),
    'Someone or something wrote to the store outside maskgate: restore the store from a backup, or keep this output as evidence.',
  ].join('\n');
}

interface ListOptions {
  since?: number;
  action?: string;
  limit?: number;
}

export function registerAuditCommands(program: Command, ctx: CliContext): void {
  const audit = program.command('audit').description('the append-only, hash-chained audit trail: who changed what');
  const json = () => ({ json: ctx.globals().json });

  audit
    .command('verify')
    .description('check the whole hash chain; names every row changed, removed or moved')
    .addHelpText('after', '\nExit status: 0 when the trail is intact, 1 when any problem is found (each one is printed with its row).')
    .action(() => {
      const verdict = withAudit(ctx, (log) => log.verify());
      printResult(verdict, json(), () => renderVerdict(verdict));
      if (!verdict.ok) process.exitCode = EXIT.RUNTIME;
    });

  audit
    .command('list')
    .description(`list the trail, oldest first (the newest ${DEFAULT_LIMIT} rows unless --limit says otherwise)`)
    .option('--since <when>', `only rows since then: ${SINCE_HELP}`, sinceOption('--since'))
    .option('--action <action>', 'only this action (account.add), or every action of a noun (account)')
    .option('--limit <n>', `at most this many rows, the newest (default ${DEFAULT_LIMIT})`, limitOption('--limit'))
    .action((opts: ListOptions) => {
      const rows = withAudit(ctx, (log) => log.list({ sinceMs: opts.since, action: opts.action, limit: opts.limit ?? DEFAULT_LIMIT }));
      printResult(rows, json(), () => renderRows(rows, opts.since !== undefined || opts.action !== undefined));
    });
}
