import test from 'ava';
import { once } from 'node:events';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { GatewayError } from '../../src/errors.js';
import { writeMasterKeyFile } from '../../src/keys/key-file.js';
import { KeyRing, type KeyRingChange } from '../../src/keys/key-ring.js';
import { deriveKey } from '../../src/keys/master-key.js';
import { createLogger } from '../../src/obs/logger.js';
import { tempFiles } from '../helpers/temp-files.js';
import { writeFileSync } from 'node:fs';

const files = tempFiles('key-ring');
const K1 = Buffer.alloc(32, 1);
const K2 = Buffer.alloc(32, 2);
const K3 = Buffer.alloc(32, 3);
let n = 0;

function ringOn(keys: [number, Buffer][]): { ring: KeyRing; file: string } {
  const file = path.join(files.dir, `ring-${n++}.key`);
  writeMasterKeyFile(file, new Map(keys), { replace: false });
  return { ring: KeyRing.load({ masterKeyFile: file, createIfMissing: false }, files.dir), file };
}

test('a purpose view seals under the highest version and opens every version held', (t) => {
  const { ring } = ringOn([[1, K1], [2, K2]]);
  const bodies = ring.keysFor('routing-bodies');
  t.deepEqual(bodies.current, { version: 2, key: deriveKey(K2, 'routing-bodies', 2) });
  t.deepEqual(bodies.keyFor(1), deriveKey(K1, 'routing-bodies', 1));
  t.is(bodies.keyFor(3), undefined);
  t.is(bodies.current, bodies.current, 'made once per version, not per seal');
});

test('reload takes a new version and retires old ones; views already handed out follow', (t) => {
  const { ring, file } = ringOn([[1, K1]]);
  const bodies = ring.keysFor('routing-bodies');
  const changes: KeyRingChange[] = [];
  ring.onChange((c) => changes.push(c));
  t.is(ring.reload(), undefined, 'an unchanged file changes nothing');

  writeMasterKeyFile(file, new Map([[1, K1], [2, K2]]), { replace: true });
  t.deepEqual(ring.reload(), { added: [2], retired: [], from: 1, to: 2 });
  t.is(bodies.current.version, 2);
  t.deepEqual(bodies.keyFor(1), deriveKey(K1, 'routing-bodies', 1));

  writeMasterKeyFile(file, new Map([[2, K2]]), { replace: true });
  t.deepEqual(ring.reload(), { added: [], retired: [1], from: 2, to: 2 });
  t.is(bodies.keyFor(1), undefined, 'a retired version opens nothing');
  t.is(changes.length, 2);
});

test('a key file that changes a held key or goes back to an older version is refused, and the keys stay', (t) => {
  const { ring, file } = ringOn([[1, K1], [2, K2]]);
  writeMasterKeyFile(file, new Map([[1, K1], [2, K3]]), { replace: true });
  const changed = t.throws(() => ring.reload(), { instanceOf: GatewayError });
  t.is(changed?.code, 'KEY_INVALID');
  t.regex(changed?.message ?? '', /holds a different key for version 2/);
  writeMasterKeyFile(file, new Map([[1, K1]]), { replace: true });
  t.regex(t.throws(() => ring.reload(), { instanceOf: GatewayError })?.message ?? '', /no longer holds the current key version 2/);
  writeFileSync(file, 'garbage\n', { mode: 0o600 });
  t.is(t.throws(() => ring.reload(), { instanceOf: GatewayError })?.code, 'KEY_INVALID');
  t.deepEqual(new Map(ring.masters), new Map([[1, K1], [2, K2]]));
});

test('watch follows the file: a new version is taken and logged, an invalid file logged and ignored, never a key', async (t) => {
  const { ring, file } = ringOn([[1, K1]]);
  const out = new PassThrough();
  let logged = '';
  out.on('data', (chunk: Buffer) => (logged += chunk.toString()));
  ring.watch(createLogger({ level: 'info', format: 'json', stream: out }), 5);
  t.teardown(() => ring.stop());
  // The watch timer is unref'd (it never keeps a daemon alive): something must keep this
  // test's process running while it waits, or the loop empties and the test never ends.
  const keepAlive = setInterval(() => undefined, 1_000);
  t.teardown(() => clearInterval(keepAlive));

  const taken = once(out, 'data');
  writeMasterKeyFile(file, new Map([[1, K1], [2, K2]]), { replace: true });
  await taken;
  t.is(ring.currentVersion, 2);
  t.regex(logged, /sealed under another master key version.*"from":"?1"?,"to":"?2"?/);

  const warned = once(out, 'data');
  writeMasterKeyFile(file, new Map([[1, K1], [2, K3]]), { replace: true });
  await warned;
  t.regex(logged, /cannot be used; the keys already loaded stay in use/);
  t.is(ring.keysFor('contacts').current.version, 2);
  t.deepEqual(ring.masters.get(2), K2);
  for (const key of [K1, K2, K3]) t.false(logged.includes(key.toString('base64')));
});

test('keys from a variable have no file to follow', (t) => {
  const env = `MASKGATE_KEY_RING_TEST_${process.pid}`;
  process.env[env] = `1:${K1.toString('base64')},3:${K3.toString('base64')}`;
  t.teardown(() => delete process.env[env]);
  const ring = KeyRing.load({ masterKeyEnv: env, createIfMissing: false }, files.dir);
  t.is(ring.currentVersion, 3);
  t.is(ring.reload(), undefined);
});
