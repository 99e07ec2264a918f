import test from 'ava';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GatewayError } from '../../src/errors.js';
import { writeMasterKeyFile } from '../../src/keys/key-file.js';
import { deriveKey, generateMasterKey, keyCheckValue, loadMasterKeys } from '../../src/keys/master-key.js';
import type { Config } from '../../src/config/schema.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('master-key');
const dir = files.dir;
const ENV = `MASKGATE_TEST_MASTER_KEY_${process.pid}`;
test.after.always(() => {
  delete process.env[ENV];
});

/** A key file as `maskgate keys init` writes it, with the given mode. */
function keyFile(name: string, text: string, mode = 0o600): string {
  const file = files.write(text, name);
  chmodSync(file, mode);
  return file;
}

const KEY = Buffer.alloc(32, 7);
const KEY_B64 = KEY.toString('base64');

/** The one key a source holds, which must be version 1 (a key without a version). */
function loadMasterKey(keys: Pick<Config['keys'], 'masterKeyFile' | 'masterKeyEnv'>, configDir: string): Buffer | undefined {
  const loaded = loadMasterKeys(keys, configDir);
  if (loaded.size !== 1) throw new Error(`expected one key, got versions ${[...loaded.keys()].join(', ')}`);
  return loaded.get(1);
}

test('loads a key file with a comment line, relative to the config directory', (t) => {
  keyFile('commented.key', `# maskgate master key\n${KEY_B64}\n`);
  t.deepEqual(loadMasterKey({ masterKeyFile: './commented.key' }, dir), KEY);
});

test('loads a key file holding only the key, without a final newline', (t) => {
  const file = keyFile('bare.key', KEY_B64);
  t.deepEqual(loadMasterKey({ masterKeyFile: file }, '/elsewhere'), KEY);
});

test.serial('loads a key from the environment variable', (t) => {
  process.env[ENV] = KEY_B64;
  t.deepEqual(loadMasterKey({ masterKeyEnv: ENV }, dir), KEY);
});

test('a missing key file is KEY_MISSING naming the path and `maskgate keys init`', (t) => {
  const err = t.throws(() => loadMasterKey({ masterKeyFile: 'absent.key' }, dir), { instanceOf: GatewayError });
  t.is(err?.code, 'KEY_MISSING');
  t.true(err?.message.includes(path.join(dir, 'absent.key')));
  t.true(err?.message.includes('maskgate keys init'));
});

test.serial('an unset or empty variable is KEY_MISSING naming it and `maskgate keys init`', (t) => {
  for (const value of [undefined, '']) {
    if (value === undefined) delete process.env[ENV];
    else process.env[ENV] = value;
    const err = t.throws(() => loadMasterKey({ masterKeyEnv: ENV }, dir), { instanceOf: GatewayError });
    t.is(err?.code, 'KEY_MISSING');
    t.true(err?.message.includes(ENV));
    t.true(err?.message.includes('maskgate keys init'));
  }
});

test('a key file readable or writable by group or others is KEY_INVALID with the chmod to run', (t) => {
  for (const mode of [0o640, 0o604, 0o620, 0o644]) {
    const file = keyFile(`mode-${mode.toString(8)}.key`, `${KEY_B64}\n`, mode);
    const err = t.throws(() => loadMasterKey({ masterKeyFile: file }, dir), { instanceOf: GatewayError });
    t.is(err?.code, 'KEY_INVALID');
    t.true(err?.message.includes(`chmod 600 ${file}`), err?.message);
  }
  t.deepEqual(loadMasterKey({ masterKeyFile: keyFile('mode-400.key', `${KEY_B64}\n`, 0o400) }, dir), KEY);
});

test('a directory in place of the key file is KEY_INVALID', (t) => {
  const err = t.throws(() => loadMasterKey({ masterKeyFile: '.' }, dir), { instanceOf: GatewayError });
  t.is(err?.code, 'KEY_INVALID');
  t.true(err?.message.includes(`master key file ${dir} is not a regular file`));
});

test('a malformed key file is KEY_INVALID naming the path and the expected form', (t) => {
  const malformed = [
    '', // empty
    '# only a comment\n',
    `${Buffer.alloc(31, 1).toString('base64')}\n`, // 31 bytes
    `${Buffer.alloc(33, 1).toString('base64')}\n`, // 33 bytes
    `${KEY.toString('hex')}\n`, // hex, not base64
    `${KEY.toString('base64url')}\n`, // no padding
    `1:${KEY.toString('hex')}\n`, // a version, then hex
    `${KEY_B64.slice(0, 20)}*${KEY_B64.slice(21)}\n`, // a character outside base64
  ];
  malformed.forEach((text, i) => {
    const file = keyFile(`malformed-${i}.key`, text);
    const err = t.throws(() => loadMasterKey({ masterKeyFile: file }, dir), { instanceOf: GatewayError });
    t.is(err?.code, 'KEY_INVALID', `case ${i}`);
    t.true(err?.message.includes(file));
    t.true(err?.message.includes('base64 encoding of 32 random bytes (44 characters'));
  });
});

test.serial('a malformed variable is KEY_INVALID naming it, without echoing the value', (t) => {
  const value = Buffer.alloc(16, 9).toString('base64');
  process.env[ENV] = value;
  const err = t.throws(() => loadMasterKey({ masterKeyEnv: ENV }, dir), { instanceOf: GatewayError });
  t.is(err?.code, 'KEY_INVALID');
  t.true(err?.message.includes(`environment variable ${ENV}`));
  t.false(err?.message.includes(value));
});

test('writeMasterKeyFile creates the directory 0700 and a 0600 file that loads back', (t) => {
  const file = path.join(dir, 'new-dir', 'nested', 'master.key');
  const key = generateMasterKey();
  writeMasterKeyFile(file, new Map([[1, key]]), { replace: false });
  t.is(statSync(file).mode & 0o777, 0o600);
  t.is(statSync(path.dirname(file)).mode & 0o777, 0o700);
  t.deepEqual(loadMasterKey({ masterKeyFile: file }, dir), key);
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => !l.startsWith('#'));
  t.true(readFileSync(file, 'utf8').startsWith('# maskgate master key'));
  t.deepEqual(lines, [`1:${key.toString('base64')}`, '']);
  t.deepEqual(readdirSync(path.dirname(file)), ['master.key']);
});

test('writeMasterKeyFile refuses to replace an existing file unless told to', (t) => {
  const file = path.join(dir, 'existing', 'master.key');
  const first = generateMasterKey();
  writeMasterKeyFile(file, new Map([[1, first]]), { replace: false });
  const err = t.throws(() => writeMasterKeyFile(file, new Map([[1, generateMasterKey()]]), { replace: false }), { instanceOf: GatewayError });
  t.is(err?.code, 'USAGE');
  t.true(err?.message.includes(file));
  t.true(err?.message.includes('makes everything encrypted under the old key unreadable'));
  t.deepEqual(loadMasterKey({ masterKeyFile: file }, dir), first);

  const second = generateMasterKey();
  writeMasterKeyFile(file, new Map([[1, second]]), { replace: true });
  t.deepEqual(loadMasterKey({ masterKeyFile: file }, dir), second);
  t.is(statSync(file).mode & 0o777, 0o600);
  t.deepEqual(readdirSync(path.dirname(file)), ['master.key']);
});

test('generateMasterKey makes 32 fresh random bytes', (t) => {
  const a = generateMasterKey();
  t.is(a.length, 32);
  t.notDeepEqual(a, generateMasterKey());
});

test('deriveKey is HKDF-SHA256 with maskgate info and salt (pinned vector)', (t) => {
  // Computed independently (Python hmac/hashlib HKDF). Derived keys must never change:
  // every store would become unreadable.
  t.is(deriveKey(KEY, 'contacts', 1).toString('hex'), 'd584c9c442596b20d397b75bafd336af639e94169d8c89c36a4d0f7ad180e988');
});

test('deriveKey is deterministic and separates purposes, versions and master keys', (t) => {
  const key = deriveKey(KEY, 'routing-bodies', 1);
  t.is(key.length, 32);
  t.deepEqual(deriveKey(Buffer.from(KEY), 'routing-bodies', 1), key);
  const others = [
    deriveKey(KEY, 'contacts', 1),
    deriveKey(KEY, 'blind-index', 1),
    deriveKey(KEY, 'key-check', 1),
    deriveKey(KEY, 'routing-bodies', 2),
    deriveKey(Buffer.alloc(32, 8), 'routing-bodies', 1),
  ];
  const all = new Set([key, ...others].map((k) => k.toString('hex')));
  t.is(all.size, 6);
  t.false(all.has(KEY.toString('hex')));
});

test('keyCheckValue is a stable fingerprint of the key that reveals no derived key', (t) => {
  const kcv = keyCheckValue(KEY);
  t.is(kcv, '791a1dccd7966c38df0b427f138d6bd85eb7cc797c80e63547ccfe23609858f8');
  t.is(keyCheckValue(Buffer.from(KEY)), kcv);
  t.not(keyCheckValue(Buffer.alloc(32, 8)), kcv);
  for (const purpose of ['routing-bodies', 'contacts', 'blind-index', 'key-check'] as const) {
    t.not(deriveKey(KEY, purpose, 1).toString('hex'), kcv);
  }
});

test('a key file written by hand with CRLF line ends loads', (t) => {
  const file = path.join(dir, 'crlf.key');
  writeFileSync(file, `# maskgate master key\r\n${KEY_B64}\r\n`, { mode: 0o600 });
  t.deepEqual(loadMasterKey({ masterKeyFile: file }, dir), KEY);
});
