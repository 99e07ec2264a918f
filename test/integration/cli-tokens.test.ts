/**
 * `maskgate tokens` as an operator runs it: a token printed once and usable, listings
 * without secrets, revocation, usage errors (exit 2), and each change in the audit trail.
 */
import test from 'ava';
import { loadConfig } from '../../src/config/loader.js';
import { ApiTokens } from '../../src/accounts/api-tokens.js';
import { AuditLog } from '../../src/obs/audit.js';
import { openRoutingStore } from '../../src/store/routing-store.js';
import { maskgate } from '../helpers/cli.js';
import { addAccounts, numbersConfig } from '../helpers/number-books.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('cli-tokens');

test('create prints the token once, list never shows it, revoke stops it; each change is audited', async (t) => {
  const config = numbersConfig(files);
  const loaded = loadConfig(config);
  const { db } = openRoutingStore(loaded);
  await addAccounts(db, loaded, ['acme']);
  db.close();
  const cli = (...args: string[]) => maskgate('--config', config, ...args);

  const created = await cli('--json', 'tokens', 'create', '--name', 'acme-app', '--role', 'client', '--account', 'acme');
  t.is(created.status, 0, created.stderr);
  const made = JSON.parse(created.stdout) as { id: string; token: string; role: string; account: string };
  t.like(made, { role: 'client', account: 'acme' });
  const admin = await cli('tokens', 'create', '--name', 'root', '--role', 'admin');
  t.is(admin.status, 0, admin.stderr);
  t.regex(admin.stdout, /^token +mg_/m);
  t.regex(admin.stdout, /otpauth:\/\/totp\//);

  const listed = await cli('--json', 'tokens', 'list');
  t.is(listed.status, 0);
  const rows = JSON.parse(listed.stdout) as { id: string; state: string }[];
  t.deepEqual(rows.map((r) => r.state), ['active', 'active']);
  t.false(listed.stdout.includes(made.token.slice(21)), 'no secret in a listing');
  const table = await cli('tokens', 'list');
  t.regex(table.stdout, /acme-app +client +acme +active/);

  t.is((await cli('tokens', 'revoke', made.id)).status, 0);
  const reopened = openRoutingStore(loaded);
  t.teardown(() => reopened.db.close());
  const book = new ApiTokens(reopened.db, reopened.keyRing.keysFor('routing-bodies'));
  t.like(book.authenticate(made.token), { ok: false, reason: 'revoked' });
  const audit = new AuditLog(reopened.db, reopened.auditKey).list({ action: 'token' });
  t.deepEqual(audit.map((r) => [r.action, r.subject]), [['token.create', made.id], ['token.create', audit[1]!.subject], ['token.revoke', made.id]]);
  t.regex(audit[0]!.actor, /^cli:/);
  t.false(JSON.stringify(audit).includes(made.token.slice(21)));

  const noAccount = await cli('tokens', 'create', '--name', 'x', '--role', 'client');
  t.is(noAccount.status, 2);
  t.regex(noAccount.stderr, /--account/);
  const badRole = await cli('tokens', 'create', '--name', 'x', '--role', 'root');
  t.is(badRole.status, 2);
  t.is((await cli('tokens', 'revoke', 'nosuchtoken')).status, 2);
});
