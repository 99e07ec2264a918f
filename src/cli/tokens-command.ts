/**
 * `maskgate tokens …`: API tokens for the HTTP API (accounts/api-tokens.ts). A token is
 * printed once, at creation, and never again: the store keeps only its hash. An admin token
 * also prints its TOTP secret once; enrol it in an authenticator app then, because every
 * admin request needs a code from it.
 */
import { Command, Option } from 'commander';
import { loadConfig } from '../config/loader.js';
import { API_ROLES, ApiTokens, type ApiRole, type ApiToken } from '../accounts/api-tokens.js';
import { openRoutingStore } from '../store/routing-store.js';
import { CliAudit } from './cli-audit.js';
import { DURATION_HELP, durationOption } from './duration.js';
import { printResult } from './output.js';
import type { CliContext } from './program.js';
import { isoTime, renderTable } from './table.js';

function withTokens<T>(ctx: CliContext, run: (tokens: ApiTokens, audit: CliAudit) => T): T {
  const config = loadConfig(ctx.globals().config);
  const { db, keyRing, auditKey } = openRoutingStore(config);
  try {
    return run(new ApiTokens(db, keyRing.keysFor('routing-bodies')), new CliAudit(db, auditKey));
  } finally {
    db.close();
  }
}

function state(t: ApiToken, now = Date.now()): string {
  if (t.revokedAt !== null) return 'revoked';
  if (t.expiresAt !== null && t.expiresAt <= now) return 'expired';
  return 'active';
}

export function registerTokensCommands(program: Command, ctx: CliContext): void {
  const tokens = program.command('tokens').description('API tokens for the HTTP API: roles admin, operator, client (one account), auditor');
  const json = () => ({ json: ctx.globals().json });

  tokens
    .command('create')
    .description('create a token and print it once (only its hash is kept)')
    .requiredOption('--name <name>', 'who or what uses it, e.g. billing-service')
    .addOption(new Option('--role <role>', 'what it may do').choices(API_ROLES).makeOptionMandatory())
    .option('--account <system_id>', 'client tokens: the one account it acts for')
    .option('--ttl <duration>', `expire it after ${DURATION_HELP}; default: never`, durationOption('--ttl'))
    .addHelpText('after', '\nAdmin tokens need a TOTP code on every request (header X-Maskgate-Totp): the secret is printed once, as an otpauth:// URI for an authenticator app.')
    .action((opts: { name: string; role: ApiRole; account?: string; ttl?: number }) => {
      const created = withTokens(ctx, (book, audit) =>
        audit.change(
          () => book.create({ name: opts.name, role: opts.role, ...(opts.account !== undefined ? { account: opts.account } : {}), ...(opts.ttl !== undefined ? { ttlMs: opts.ttl } : {}) }),
          ({ token }) => ({ action: 'token.create', subject: token.id, detail: { name: token.name, role: token.role, account: token.account, expiresAt: token.expiresAt } }),
        ),
      );
      printResult({ ...created.token, token: created.secret, ...(created.totp ? { totp: created.totp } : {}) }, json(), () =>
        [
          `token    ${created.secret}`,
          `id       ${created.token.id} (${created.token.role}${created.token.account ? ` of ${created.token.account}` : ''})`,
          ...(created.totp ? [`totp     ${created.totp.uri}`, '         add it to an authenticator app now: admin requests need its code in X-Maskgate-Totp'] : []),
          'This is the only time the token is shown; store it in a secret manager. Use it as: Authorization: Bearer <token>',
        ].join('\n'),
      );
    });

  tokens
    .command('list')
    .description('list tokens (never their secrets)')
    .action(() => {
      const all = withTokens(ctx, (book) => book.list());
      printResult(all.map((t) => ({ ...t, state: state(t) })), json(), () =>
        all.length === 0
          ? 'no API tokens; create one with `maskgate tokens create --name NAME --role operator`'
          : renderTable(
              ['ID', 'NAME', 'ROLE', 'ACCOUNT', 'STATE', 'CREATED', 'EXPIRES', 'LAST USED'],
              all.map((t) => [t.id, t.name, t.role, t.account ?? '-', state(t), isoTime(t.createdAt), isoTime(t.expiresAt, 'never'), isoTime(t.lastUsedAt, 'never')]),
            ),
      );
    });

  tokens
    .command('revoke <id>')
    .description('revoke a token: its next request is refused (401)')
    .action((id: string) => {
      const revoked = withTokens(ctx, (book, audit) => audit.change(() => book.revoke(id), (token) => ({ action: 'token.revoke', subject: id, detail: { name: token.name, role: token.role } })));
      printResult({ ...revoked, state: state(revoked) }, json(), () => `token ${revoked.id} (${revoked.name}) revoked`);
    });
}
