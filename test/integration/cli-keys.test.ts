import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/loader.js';
import { loadMasterKeys } from '../../src/keys/master-key.js';
import { tempFiles } from '../helpers/temp-files.js';
import { CLI, ROOT } from '../helpers/cli.js';

const tmp = tempFiles('cli-keys').dir;
const KEY_ENV = `MASKGATE_TEST_KEYS_INIT_${process.pid}`;

function maskgate(args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.MASKGATE_CONFIG;
  if (!(KEY_ENV in env)) delete childEnv[KEY_ENV];
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A configuration in its own directory, so tests running at once never share a key. */
function configIn(name: string, keys: string): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  const file = path.join(dir, 'maskgate.yaml');
  writeFileSync(file, `keys:\n${keys}\nhttp:\n  enabled: false\n`);
  return file;
}

const keyOf = (config: string) => {
  const loaded = loadConfig(config);
  const keys = loadMasterKeys(loaded.keys, loaded.configDir);
  return keys.size === 1 ? keys.get(1) : undefined; // keys init writes version 1 alone
};

test('keys init writes a 0600 key file, in a new 0700 directory, that loadMasterKeys reads as version 1', (t) => {
  const config = configIn('file', '  masterKeyFile: ./secret/master.key');
  const keyFile = path.join(path.dirname(config), 'secret', 'master.key');
  const { status, stdout, stderr } = maskgate(['--config', config, 'keys', 'init']);
  t.is(stderr, '');
  t.is(status, 0);
  t.true(stdout.startsWith(`wrote a new master key to ${keyFile} (mode 0600)\n`));
  t.is(statSync(keyFile).mode & 0o777, 0o600);
  t.is(statSync(path.dirname(keyFile)).mode & 0o777, 0o700);
  t.is(keyOf(config)?.length, 32);
});

test('a second keys init exits 2 and keeps the key; --force replaces it', (t) => {
  const config = configIn('twice', '  masterKeyFile: master.key');
  const keyFile = path.join(path.dirname(config), 'master.key');
  t.is(maskgate(['--config', config, 'keys', 'init']).status, 0);
  const first = keyOf(config);

  const again = maskgate(['--config', config, 'keys', 'init']);
  t.is(again.status, 2);
  t.is(again.stdout, '');
  t.true(again.stderr.includes(`master key file ${keyFile} already exists`));
  t.true(again.stderr.includes('makes everything encrypted under the old key unreadable'));
  t.true(again.stderr.includes('--force'));
  t.deepEqual(keyOf(config), first);

  const forced = maskgate(['--config', config, 'keys', 'init', '--force']);
  t.is(forced.status, 0);
  const second = keyOf(config);
  t.notDeepEqual(second, first);
  t.is(statSync(keyFile).mode & 0o777, 0o600);
  t.deepEqual(readdirSync(path.dirname(config)).sort(), ['maskgate.yaml', 'master.key']);
});

test('keys init --json prints the file it wrote', (t) => {
  const config = configIn('json-file', '  masterKeyFile: master.key');
  const { status, stdout } = maskgate(['--json', '--config', config, 'keys', 'init']);
  t.is(status, 0);
  t.deepEqual(JSON.parse(stdout), { file: path.join(path.dirname(config), 'master.key') });
});

test('with masterKeyEnv, keys init prints the key once and writes no file', (t) => {
  const config = configIn('env', `  masterKeyEnv: ${KEY_ENV}`);
  const { status, stdout } = maskgate(['--config', config, 'keys', 'init']);
  t.is(status, 0);
  t.true(stdout.includes(`store it in the environment variable ${KEY_ENV}`));
  const key = stdout.trimEnd().split('\n').at(-1) ?? '';
  t.regex(key, /^[A-Za-z0-9+/]{43}=$/);
  t.is(stdout.split(key).length, 2); // shown exactly once
  t.deepEqual(readdirSync(path.dirname(config)), ['maskgate.yaml']);
  process.env[KEY_ENV] = key;
  t.teardown(() => delete process.env[KEY_ENV]);
  t.is(keyOf(config)?.length, 32);
});

test('with masterKeyEnv, keys init --json prints the variable and the key', (t) => {
  const config = configIn('env-json', `  masterKeyEnv: ${KEY_ENV}`);
  const { status, stdout } = maskgate(['--json', '--config', config, 'keys', 'init']);
  t.is(status, 0);
  const result = JSON.parse(stdout) as { env: string; key: string };
  t.deepEqual(Object.keys(result), ['env', 'key']);
  t.is(result.env, KEY_ENV);
  t.is(Buffer.from(result.key, 'base64').length, 32);
  t.false(existsSync(path.join(path.dirname(config), 'master.key')));
});

test('with masterKeyEnv already set, keys init exits 2 unless --force', (t) => {
  const config = configIn('env-set', `  masterKeyEnv: ${KEY_ENV}`);
  const existing = { [KEY_ENV]: Buffer.alloc(32, 1).toString('base64') };
  const refused = maskgate(['--config', config, 'keys', 'init'], existing);
  t.is(refused.status, 2);
  t.is(refused.stdout, '');
  t.true(refused.stderr.includes(`environment variable ${KEY_ENV} is already set`));
  const forced = maskgate(['--json', '--config', config, 'keys', 'init', '--force'], existing);
  t.is(forced.status, 0);
  t.not((JSON.parse(forced.stdout) as { key: string }).key, existing[KEY_ENV]);
});
