/**
 * `maskgate accounts …`: the upstream accounts in the routing store (add, list, show,
 * update, disable, enable, remove, passwd). Changes apply to the next bind of a running
 * daemon, which re-reads the account at every bind.
 *
 * A password is never a plain argument: it would be kept in shell history and shown by `ps`
 * to every user of the machine. It comes from an environment variable (--password-env) or
 * from standard input (--password-stdin, one trailing newline dropped).
 */
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../config/loader.js';
import { GatewayError } from '../errors.js';
import { AccountStore, type AccountFields, type StoredAccount } from '../accounts/account-store.js';
import type { AccountBindMode } from '../accounts/types.js';
import { openRoutingStore } from '../store/routing-store.js';
import type { AuditDetail } from '../obs/audit.js';
import { CliAudit } from './cli-audit.js';
import { readStdinValue } from './stdin.js';
import { applyWebhookOptions, checkWebhookOptions, renderWebhook, webhookOptions, type WebhookOptions } from './account-webhook.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';

interface PasswordOptions {
  passwordEnv?: string;
  passwordStdin?: boolean;
}

interface FieldOptions {
  modes?: AccountBindMode[];
  allow?: string[];
  allowAny?: boolean;
  maxBinds?: number;
  throughput?: number;
  maxQueued?: number;
  moPrefix?: string[];
  clearMoPrefixes?: boolean;
  dlr?: boolean;
}

const PASSWORD_HELP = 'The password is read from --password-env or --password-stdin, never from an argument (shell history and `ps` would show it); SMPP 3.4 allows at most 8 characters.';

const number = (flag: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} takes a number, got "${value}"`);
  return n;
};

// Repeatable and comma-separated: `--allow a,b --allow c` gives [a, b, c].
const list = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((v) => v.trim()).filter((v) => v !== '')];

function fieldOptions(command: Command): Command {
  return command
    .option('--modes <modes>', 'allowed bind modes, comma-separated: transmitter,receiver,transceiver', (v) => list(v) as AccountBindMode[])
    .option('--allow <cidr>', 'a source address or CIDR block binds may come from (repeatable, comma-separated); none means any', list)
    .option('--max-binds <n>', 'concurrent binds allowed', number('--max-binds'))
    .option('--throughput <msgPerSec>', 'messages per second accepted from the account', number('--throughput'))
    .option('--max-queued <n>', 'messages accepted but not final before submits are refused as queue full', number('--max-queued'))
    .option('--mo-prefix <digits>', 'a destination number or prefix whose MO go to this account (repeatable, comma-separated)', list)
    .option('--dlr', 'deliver receipts over the account\'s receiver binds (the default)')
    .option('--no-dlr', 'do not deliver receipts over SMPP');
}

function passwordOptions(command: Command): Command {
  return command
    .option('--password-env <var>', 'read the password from this environment variable')
    .option('--password-stdin', 'read the password from standard input')
    .addHelpText('after', `\n${PASSWORD_HELP}\n`);
}

function toFields(opts: FieldOptions): Partial<AccountFields> {
  return {
    bindModes: opts.modes,
    allowedSources: opts.allowAny ? [] : opts.allow,
    maxBinds: opts.maxBinds,
    throughputMsgPerSec: opts.throughput,
    maxQueued: opts.maxQueued,
    moPrefixes: opts.clearMoPrefixes ? [] : opts.moPrefix,
    dlrOverSmpp: opts.dlr,
  };
}

async function readPassword(opts: PasswordOptions): Promise<string> {
  if ((opts.passwordEnv !== undefined) === (opts.passwordStdin === true)) {
    throw new GatewayError('USAGE', `give the password with exactly one of --password-env VAR or --password-stdin. ${PASSWORD_HELP}`);
  }
  if (opts.passwordEnv !== undefined) {
    const value = process.env[opts.passwordEnv];
    if (value === undefined || value === '') throw new GatewayError('USAGE', `environment variable ${opts.passwordEnv} (--password-env) is not set or empty; set it to the password`);
    return value;
  }
  return readStdinValue();
}

/** Opens the store for one command and closes it whatever happens. */
async function withStore<T>(ctx: CliContext, run: (store: AccountStore, audit: CliAudit) => T | Promise<T>): Promise<T> {
  const config = loadConfig(ctx.globals().config);
  const { db, auditKey } = openRoutingStore(config);
  try {
    return await run(new AccountStore(db, config.accountDefaults), new CliAudit(db, auditKey));
  } finally {
    db.close();
  }
}

/**
 * An account's settings for its audit row: flat values, lists comma-joined (MO prefixes are
 * our own numbers; sources are addresses). Never the password or its hash. With `only`, just
 * the settings an update named.
 */
function settingsDetail(a: StoredAccount, only?: ReadonlySet<string>): AuditDetail {
  const all: Record<string, string | number | boolean> = {
    enabled: a.enabled,
    bindModes: a.bindModes.join(','),
    allowedSources: a.allowedSources.join(','),
    maxBinds: a.maxBinds,
    throughputMsgPerSec: a.throughputMsgPerSec,
    maxQueued: a.maxQueued,
    moPrefixes: a.moPrefixes.join(','),
    dlrOverSmpp: a.dlrOverSmpp,
  };
  return only === undefined ? all : Object.fromEntries(Object.entries(all).filter(([k]) => only.has(k)));
}

/** The settings an update names, by their field names. */
function changedFields(opts: FieldOptions): Set<string> {
  const fields = toFields(opts);
  return new Set(Object.entries(fields).filter(([, v]) => v !== undefined).map(([k]) => k));
}

function render(a: StoredAccount): string {
  return [
    `system_id      ${a.systemId}`,
    `enabled        ${a.enabled ? 'yes' : 'no'}`,
    `bind modes     ${a.bindModes.join(', ')}`,
    `allowed from   ${a.allowedSources.length > 0 ? a.allowedSources.join(', ') : 'any address'}`,
    `max binds      ${a.maxBinds}`,
    `throughput     ${a.throughputMsgPerSec} msg/s`,
    `max queued     ${a.maxQueued}`,
    `MO prefixes    ${a.moPrefixes.length > 0 ? a.moPrefixes.join(', ') : 'none'}`,
    `DLR over SMPP  ${a.dlrOverSmpp ? 'yes' : 'no'}`,
    `created        ${new Date(a.createdAt).toISOString()}`,
    `updated        ${new Date(a.updatedAt).toISOString()}`,
  ].join('\n');
}

function renderList(accounts: StoredAccount[]): string {
  if (accounts.length === 0) return 'no accounts; add one with `maskgate accounts add <system_id> --password-env VAR`';
  const rows = accounts.map((a) => [a.systemId, a.enabled ? 'yes' : 'no', a.bindModes.join(','), String(a.maxBinds), String(a.throughputMsgPerSec), a.allowedSources.join(',') || 'any']);
  const header = ['SYSTEM_ID', 'ENABLED', 'MODES', 'BINDS', 'MSG/S', 'ALLOWED FROM'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

export function registerAccountsCommands(program: Command, ctx: CliContext): void {
  const accounts = program.command('accounts').description('manage the upstream accounts (SMPP clients) in the routing store');
  const show = (a: StoredAccount, done: string) => printResult(a, { json: ctx.globals().json }, () => `${done}\n${render(a)}`);

  passwordOptions(fieldOptions(accounts.command('add <system_id>').description('add an account; unset options take config accountDefaults')))
    .action(async (systemId: string, opts: FieldOptions & PasswordOptions) => {
      const password = await readPassword(opts);
      const account = await withStore(ctx, async (store, audit) => {
        const added = await store.add(systemId, password, toFields(opts));
        audit.record({ action: 'account.add', subject: systemId, detail: settingsDetail(added) });
        return added;
      });
      show(account, `added account ${systemId}`);
    });

  accounts
    .command('list')
    .description('list the accounts (never their password hashes)')
    .action(async () => {
      const all = await withStore(ctx, (store) => store.list());
      printResult(all, { json: ctx.globals().json }, () => renderList(all));
    });

  accounts
    .command('show <system_id>')
    .description('show one account')
    .action(async (systemId: string) => {
      const account = await withStore(ctx, (store) => store.get(systemId));
      if (account === undefined) throw new GatewayError('USAGE', `no account with system_id ${JSON.stringify(systemId)}; \`maskgate accounts list\` shows the accounts there are`);
      printResult(account, { json: ctx.globals().json }, () => render(account));
    });

  webhookOptions(fieldOptions(accounts.command('update <system_id>').description('change the given settings of an account; the next bind sees them')))
    .option('--allow-any', 'remove the source allow-list: binds may come from any address')
    .option('--clear-mo-prefixes', 'remove every MO prefix')
    .action(async (systemId: string, opts: FieldOptions & WebhookOptions) => {
      checkWebhookOptions(opts);
      const changed = changedFields(opts);
      const account = await withStore(ctx, (store, audit) =>
        audit.change(
          () => store.update(systemId, toFields(opts)),
          // Webhook options alone are audited by account-webhook.ts (account.webhook).
          (updated) => (changed.size > 0 ? { action: 'account.update', subject: systemId, detail: settingsDetail(updated, changed) } : undefined),
        ),
      );
      const webhook = applyWebhookOptions(ctx, systemId, opts);
      if (webhook === undefined) show(account, `updated account ${systemId}`);
      else printResult({ ...account, ...webhook }, { json: ctx.globals().json }, () => `updated account ${systemId}\n${render(account)}\n${renderWebhook(webhook)}`);
    });

  for (const [verb, description] of [
    ['disable', 'refuse every new bind of the account'],
    ['enable', 'allow the account to bind again'],
  ] as const) {
    accounts
      .command(`${verb} <system_id>`)
      .description(description)
      .action(async (systemId: string) => {
        const account = await withStore(ctx, (store, audit) => audit.change(() => store[verb](systemId), () => ({ action: `account.${verb}`, subject: systemId })));
        show(account, `${verb}d account ${systemId}`);
      });
  }

  accounts
    .command('remove <system_id>')
    .description('delete an account; its messages stay in the store')
    .action(async (systemId: string) => {
      await withStore(ctx, (store, audit) => audit.change(() => store.remove(systemId), () => ({ action: 'account.remove', subject: systemId })));
      printResult({ removed: systemId }, { json: ctx.globals().json }, () => `removed account ${systemId}`);
    });

  passwordOptions(accounts.command('passwd <system_id>').description('set a new password for an account'))
    .action(async (systemId: string, opts: PasswordOptions) => {
      const password = await readPassword(opts);
      await withStore(ctx, async (store, audit) => {
        await store.setPassword(systemId, password);
        audit.record({ action: 'account.passwd', subject: systemId }); // that it changed; never the password
      });
      printResult({ systemId, passwordChanged: true }, { json: ctx.globals().json }, () => `changed the password of account ${systemId}`);
    });
}
