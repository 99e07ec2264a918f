import test from 'ava';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { GatewayError } from '../../src/errors.js';
import { currentVersion, parseMasterKeys, readMasterKeyFile, writeMasterKeyFile } from '../../src/keys/key-file.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('key-file');
const K1 = Buffer.alloc(32, 1);
const K2 = Buffer.alloc(32, 2);
const K7 = Buffer.alloc(32, 7);
const b64 = (key: Buffer) => key.toString('base64');

function parseError(text: string, separator: 'lines' | 'commas' = 'lines'): GatewayError {
  const err = (() => {
    try {
      parseMasterKeys(text, 'master key file /k', separator);
    } catch (e) {
      return e;
    }
    throw new Error('parsed');
  })();
  if (!(err instanceof GatewayError)) throw err;
  return err;
}

test('a legacy key file (one bare key) is version 1', (t) => {
  const keys = parseMasterKeys(`# maskgate master key\n${b64(K1)}\n`, 'f', 'lines');
  t.deepEqual([...keys], [[1, K1]]);
  t.is(currentVersion(keys), 1);
});

test('a key file with versions holds each; the highest is current, whatever the order', (t) => {
  const keys = parseMasterKeys(`# keys\n\n7:${b64(K7)}\r\n  2:${b64(K2)}  \n${b64(K1)}\n`, 'f', 'lines');
  t.deepEqual(new Map(keys), new Map([[1, K1], [2, K2], [7, K7]]));
  t.is(currentVersion(keys), 7);
});

test('a variable holds the same entries separated by commas, or one bare key', (t) => {
  t.deepEqual(new Map(parseMasterKeys(`1:${b64(K1)}, 2:${b64(K2)}`, 'v', 'commas')), new Map([[1, K1], [2, K2]]));
  t.deepEqual([...parseMasterKeys(b64(K7), 'v', 'commas')], [[1, K7]]);
});

test('a bad line is KEY_INVALID naming the file and the line, never echoing the value', (t) => {
  const cases: [string, RegExp][] = [
    [`# header\n1:${b64(K1)}\n2:${K2.toString('hex')}\n`, /master key file \/k line 3 does not hold a valid master key: expected the base64 encoding of 32 random bytes/],
    [`1:${b64(K1)}\n0:${b64(K2)}\n`, /line 2 has key version 0; a version is a whole number from 1 to 4294967295/],
    [`4294967296:${b64(K2)}\n`, /line 1 has key version 4294967296/],
    [`1:${b64(K1)}\n\n${b64(K2)}\n`, /line 3 gives key version 1 a second time \(a line without a version is version 1\)/],
    [`1:${b64(K1).slice(0, 40)}\n`, /line 1 does not hold a valid master key/],
    [`v2:${b64(K2)}\n`, /line 1 does not hold a valid master key/],
    ['# only a comment\n\n', /master key file \/k does not hold a valid master key/],
  ];
  for (const [text, expected] of cases) {
    const err = parseError(text);
    t.is(err.code, 'KEY_INVALID');
    t.regex(err.message, expected);
    t.false(err.message.includes(b64(K2)) || err.message.includes(K2.toString('hex')) || err.message.includes(b64(K1).slice(0, 40)), err.message);
  }
  t.regex(parseError(`1:${b64(K1)},2:nonsense`, 'commas').message, /master key file \/k entry 2 does not hold a valid master key/);
});

test('writeMasterKeyFile writes every version, 0600, and reads back; replace swaps the file whole', (t) => {
  const file = path.join(files.dir, 'versions', 'master.key');
  writeMasterKeyFile(file, new Map([[2, K2], [1, K1]]), { replace: false });
  t.is(statSync(file).mode & 0o777, 0o600);
  t.deepEqual(new Map(readMasterKeyFile(file)), new Map([[1, K1], [2, K2]]));
  t.deepEqual(readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#')), [`1:${b64(K1)}`, `2:${b64(K2)}`]);
  t.is(t.throws(() => writeMasterKeyFile(file, new Map([[3, K7]]), { replace: false }), { instanceOf: GatewayError })?.code, 'USAGE');
  writeMasterKeyFile(file, new Map([[2, K2]]), { replace: true });
  t.deepEqual([...readMasterKeyFile(file)], [[2, K2]]);
  chmodSync(file, 0o644);
  t.regex(t.throws(() => readMasterKeyFile(file), { instanceOf: GatewayError })?.message ?? '', /chmod 600/);
});
