/**
 * The audit trail as an operator meets it: changes made with the CLI appear in `audit list`
 * with the operator as actor and no real number anywhere; `audit verify` exits 0 on the
 * intact trail and 1, naming the row, once the store file was edited directly.
 */
import test, { type ExecutionContext } from 'ava';
import SQLite from 'better-sqlite3';
import { loadConfig, resolveConfigPath } from '../../src/config/loader.js';
import { cliActor } from '../../src/cli/cli-actor.js';
import type { AuditRow, AuditVerdict } from '../../src/obs/audit.js';
import { maskgate, maskgateWithInput } from '../helpers/cli.js';
import { testNumber } from '../helpers/esme.js';
import { numbersConfig, poolCsv, poolNumber } from '../helpers/number-books.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('cli-audit');
type Run = Awaited<ReturnType<typeof maskgate>>;

function ok(t: ExecutionContext, r: Run): Run {
  t.is(r.status, 0, `exit ${r.status}: ${r.stdout}${r.stderr}`);
  return r;
}

const json = <T>(t: ExecutionContext, r: Run): T => JSON.parse(ok(t, r).stdout) as T;

/** The intruder's edit: a connection of its own to the store file, the append-only triggers dropped. */
function editStore(file: string, sql: string): void {
  const raw = new SQLite(file);
  try {
    raw.exec(`DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete; ${sql}`);
  } finally {
    raw.close();
  }
}

// Serial: every CLI run loads the whole program; side by side they only slow each other.
test.serial('CLI changes are audited with the operator as actor and never a real number; verify finds an edited row', async (t) => {
  const config = numbersConfig(files);
  const store = resolveConfigPath(loadConfig(config), loadConfig(config).stores.routing.path);
  const printed: Run[] = [];
  const cli = async (...args: string[]) => (printed.push(await maskgate('--config', config, ...args)), printed.at(-1)!);
  const cliWithInput = async (input: string, ...args: string[]) => (printed.push(await maskgateWithInput(input, '--config', config, ...args)), printed.at(-1)!);
  const reals = [`+${testNumber()}`, `+${testNumber()}`, `+${testNumber()}`];

  ok(t, await cliWithInput('pw123456\n', 'accounts', 'add', 'acme', '--password-stdin'));
  ok(t, await cliWithInput('pw654321\n', 'accounts', 'passwd', 'acme', '--password-stdin'));
  const csv = files.write(poolCsv([poolNumber(700), poolNumber(701), poolNumber(702), poolNumber(703)]), 'pool.csv');
  ok(t, await cli('numbers', 'import', csv));
  const lease = json<{ id: string; number: string }>(t, await cli('--json', 'leases', 'request', '--account', 'acme', '--ttl', '30m'));
  const mask = json<{ id: string; number: string }>(t, await cliWithInput(`${reals[0]}\n`, '--json', 'masks', 'create', '--account', 'acme', '--number', '-', '--ttl', '1h'));
  const session = json<{ id: string }>(t, await cliWithInput(`${reals[1]}\n${reals[2]}\n`, '--json', 'sessions', 'create', '--account', 'acme', '--party-a', '-', '--party-b', '-', '--ttl', '1h'));
  ok(t, await cliWithInput(`${reals[2]}\n`, 'watchlist', 'add', '--number', '-'));
  ok(t, await cli('masks', 'revoke', mask.id));
  ok(t, await cli('leases', 'release', lease.id));

  const rows = json<AuditRow[]>(t, await cli('--json', 'audit', 'list'));
  t.deepEqual(
    rows.map((r) => [r.seq, r.action, r.subject]),
    [
      [1, 'account.add', 'acme'],
      [2, 'account.passwd', 'acme'],
      [3, 'number.import', 'pool.csv'],
      [4, 'lease.request', lease.id],
      [5, 'mask.create', mask.id],
      [6, 'session.create', session.id],
      [7, 'watchlist.add', rows[6]?.subject ?? null],
      [8, 'mask.revoke', mask.id],
      [9, 'lease.release', lease.id],
    ],
  );
  t.true(rows.every((r) => r.actor === cliActor()), 'the operator is the actor of every row');
  t.like(rows[2]!.detail, { imported: 4, warnings: 1 }); // uz-alpha is not in this configuration
  t.like(rows[3]!.detail, { account: 'acme', poolNumber: lease.number });
  t.like(rows[4]!.detail, { account: 'acme', poolNumber: mask.number });
  t.deepEqual(Object.keys(rows[1]!.detail), [], 'a password change says that it happened, nothing more');

  const leaseRows = json<AuditRow[]>(t, await cli('--json', 'audit', 'list', '--action', 'lease', '--since', '1h'));
  t.deepEqual(leaseRows.map((r) => r.action), ['lease.request', 'lease.release']);
  const table = ok(t, await cli('audit', 'list', '--limit', '2'));
  t.regex(table.stdout, /^SEQ +TIME +ACTOR +ACTION +SUBJECT +DETAIL\n8 +\S+ +cli:\S+ +mask\.revoke /);

  // No real number, whole or its national part, in anything printed, nor anywhere in the trail's table.
  const raw = new SQLite(store, { readonly: true });
  const trailText = JSON.stringify(raw.prepare('SELECT * FROM audit_log').all());
  raw.close();
  const text = printed.map((r) => r.stdout + r.stderr).join('\n') + trailText;
  for (const real of reals) t.false(text.includes(real.slice(-9)), `…${real.slice(-3)} appears`);

  const intact = ok(t, await cli('audit', 'verify'));
  t.is(intact.stdout, 'audit trail intact: 9 rows, every hash and link checks out\n');

  editStore(store, `UPDATE audit_log SET detail = '{"account":"someone-else"}' WHERE seq = 4`);
  const edited = await cli('audit', 'verify');
  t.is(edited.status, 1, 'tampering is a failure');
  t.regex(edited.stdout, /^audit trail NOT intact: 1 problem in 9 rows\n {2}row 4 +changed +row 4 was changed: its hash no longer matches its fields\n/);

  editStore(store, 'DELETE FROM audit_log WHERE seq = 6');
  const verdict = JSON.parse((await cli('--json', 'audit', 'verify')).stdout) as AuditVerdict;
  t.false(verdict.ok);
  t.deepEqual(
    verdict.problems.map((p) => [p.kind, p.seq]),
    [
      ['changed', 4],
      ['missing', 7],
    ],
  );
  t.is(printed.at(-1)!.status, 1);
});

test.serial('audit list and verify on a store with no trail yet; bad filters exit 2', async (t) => {
  const config = numbersConfig(files);
  t.is(ok(t, await maskgate('--config', config, 'audit', 'list')).stdout, 'the audit trail is empty\n');
  t.is(ok(t, await maskgate('--config', config, 'audit', 'verify')).stdout, 'audit trail intact: 0 rows, every hash and link checks out\n');
  const since = await maskgate('--config', config, 'audit', 'list', '--since', 'yesterday');
  t.is(since.status, 2);
  t.regex(since.stderr, /--since takes a duration such as 45s, .* ago, or an ISO 8601 time/);
  t.is((await maskgate('--config', config, 'audit', 'list', '--limit', '0')).status, 2);
});
