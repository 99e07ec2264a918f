import test from 'ava';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { tempFiles } from '../helpers/temp-files.js';
import { CLI, ROOT } from '../helpers/cli.js';

const tmp = tempFiles('cli-accounts').dir;
const KEY_ENV = `MASKGATE_TEST_ACCOUNTS_KEY_${process.pid}`;
const PW_ENV = `MASKGATE_TEST_ACCOUNTS_PW_${process.pid}`;
const MASTER_KEY = randomBytes(32).toString('base64');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function maskgate(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Run {
  const env: NodeJS.ProcessEnv = { ...process.env, [KEY_ENV]: MASTER_KEY, ...opts.env };
  delete env.MASKGATE_CONFIG;
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env, encoding: 'utf8', input: opts.input ?? '' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A configuration and routing store in their own directory, so the tests never share a store. */
function setup(name: string) {
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  const config = path.join(dir, 'maskgate.yaml');
  writeFileSync(config, `keys:\n  masterKeyEnv: ${KEY_ENV}\nstores:\n  routing:\n    path: ./routing.db\naccountDefaults:\n  maxBinds: 3\nhttp:\n  enabled: false\n`);
  const run = (args: string[], opts?: { env?: NodeJS.ProcessEnv; input?: string }) => maskgate(['--config', config, 'accounts', ...args], opts);
  const json = <T>(args: string[]): T => {
    const r = run([...args, '--json']);
    if (r.status !== 0) throw new Error(`accounts ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  return { run, json, store: path.join(dir, 'routing.db') };
}

interface Listed {
  systemId: string;
  enabled: boolean;
  bindModes: string[];
  allowedSources: string[];
  maxBinds: number;
  throughputMsgPerSec: number;
  maxQueued: number;
  moPrefixes: string[];
  dlrOverSmpp: boolean;
}

test('add with --password-env stores a scrypt hash; list --json and show never carry it', (t) => {
  const { run, json, store } = setup('add');
  const added = run(['add', 'acme', '--password-env', PW_ENV, '--modes', 'transmitter,receiver', '--allow', '192.0.2.0/24', '--allow', '2001:db8::/32', '--mo-prefix', '99890', '--throughput', '20'], {
    env: { [PW_ENV]: 'pw123456' },
  });
  t.is(added.stderr, '');
  t.is(added.status, 0);
  t.true(added.stdout.startsWith('added account acme\n'));

  const listed = json<Listed[]>(['list']);
  t.is(listed.length, 1);
  t.like(listed[0], {
    systemId: 'acme',
    enabled: true,
    bindModes: ['transmitter', 'receiver'],
    allowedSources: ['192.0.2.0/24', '2001:db8::/32'],
    maxBinds: 3, // from accountDefaults
    throughputMsgPerSec: 20,
    moPrefixes: ['99890'],
    dlrOverSmpp: true,
  });
  const list = run(['list']);
  const show = run(['show', 'acme']);
  for (const output of [JSON.stringify(listed), list.stdout, show.stdout, added.stdout]) {
    t.false(output.includes('scrypt'));
    t.false(output.includes('pw123456'));
  }
  t.regex(list.stdout, /^acme\s+yes\s+transmitter,receiver\s+3\s+20/m);
  t.regex(show.stdout, /^allowed from\s+192\.0\.2\.0\/24, 2001:db8::\/32$/m);

  const db = new SQLite(store, { readonly: true });
  t.teardown(() => db.close());
  const row = db.prepare('SELECT password_hash FROM accounts WHERE system_id = ?').get('acme') as { password_hash: string };
  t.regex(row.password_hash, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
});

test('update changes only the given options; disable, enable and remove', (t) => {
  const { run, json } = setup('update');
  t.is(run(['add', 'acme', '--password-stdin', '--mo-prefix', '998'], { input: 'secret\n' }).status, 0);
  const updated = json<Listed>(['update', 'acme', '--max-binds', '7', '--no-dlr', '--allow', '10.0.0.0/8']);
  t.like(updated, { maxBinds: 7, dlrOverSmpp: false, allowedSources: ['10.0.0.0/8'], moPrefixes: ['998'], throughputMsgPerSec: 50 });
  t.like(json<Listed>(['update', 'acme', '--allow-any', '--dlr']), { allowedSources: [], dlrOverSmpp: true, maxBinds: 7 });

  t.false(json<Listed>(['disable', 'acme']).enabled);
  t.false(json<Listed>(['show', 'acme']).enabled);
  t.true(json<Listed>(['enable', 'acme']).enabled);

  const removed = run(['remove', 'acme']);
  t.is(removed.status, 0);
  t.is(removed.stdout, 'removed account acme\n');
  t.deepEqual(json<Listed[]>(['list']), []);
  const gone = run(['show', 'acme']);
  t.is(gone.status, 2);
  t.true(gone.stderr.includes('no account with system_id "acme"'));
});

test('passwd via stdin replaces the hash', (t) => {
  const { run, store } = setup('passwd');
  t.is(run(['add', 'acme', '--password-env', PW_ENV], { env: { [PW_ENV]: 'first' } }).status, 0);
  const hashOf = () => {
    const db = new SQLite(store, { readonly: true });
    try {
      return (db.prepare('SELECT password_hash FROM accounts').get() as { password_hash: string }).password_hash;
    } finally {
      db.close();
    }
  };
  const before = hashOf();
  const changed = run(['passwd', 'acme', '--password-stdin'], { input: 'second\n' });
  t.is(changed.stderr, '');
  t.is(changed.status, 0);
  t.is(changed.stdout, 'changed the password of account acme\n');
  t.not(hashOf(), before);
});

test('a 9-character password and a 16-character system_id are refused with exit 2 and the SMPP limit', (t) => {
  const { run, json } = setup('limits');
  const longPassword = run(['add', 'acme', '--password-env', PW_ENV], { env: { [PW_ENV]: '123456789' } });
  t.is(longPassword.status, 2);
  t.is(longPassword.stdout, '');
  t.true(longPassword.stderr.includes('SMPP 3.4 limits the password to 8 characters'));

  const longId = run(['add', 'a'.repeat(16), '--password-env', PW_ENV], { env: { [PW_ENV]: 'pw' } });
  t.is(longId.status, 2);
  t.true(longId.stderr.includes('SMPP 3.4 limits system_id to 15 characters'));

  t.is(run(['add', 'acme', '--password-env', PW_ENV], { env: { [PW_ENV]: 'pw' } }).status, 0);
  const longPasswd = run(['passwd', 'acme', '--password-stdin'], { input: '123456789' });
  t.is(longPasswd.status, 2);
  t.true(longPasswd.stderr.includes('SMPP 3.4 limits the password to 8 characters'));
  t.is(json<Listed[]>(['list']).length, 1);
});

test('a password is never taken without --password-env or --password-stdin, and a duplicate is refused', (t) => {
  const { run } = setup('no-password');
  const none = run(['add', 'acme']);
  t.is(none.status, 2);
  t.true(none.stderr.includes('--password-env VAR or --password-stdin'));
  const unset = run(['add', 'acme', '--password-env', `${PW_ENV}_UNSET`]);
  t.is(unset.status, 2);
  t.true(unset.stderr.includes(`environment variable ${PW_ENV}_UNSET (--password-env) is not set`));
  t.is(run(['add', 'acme', '--password-stdin'], { input: 'pw' }).status, 0);
  const dup = run(['add', 'acme', '--password-stdin'], { input: 'pw' });
  t.is(dup.status, 2);
  t.true(dup.stderr.includes('an account with system_id "acme" already exists'));
  const badNumber = run(['update', 'acme', '--max-binds', '0']);
  t.is(badNumber.status, 2);
  t.true(badNumber.stderr.includes('maxBinds: must be a whole number ≥ 1, got 0'));
  const help = maskgate(['accounts', 'add', '--help']);
  t.is(help.status, 0);
  t.true(help.stdout.includes('never from an argument'));
});
