import test from 'ava';
import { GatewayError } from '../../src/errors.js';
import { envelopeKeyVersion, open, seal } from '../../src/keys/envelope.js';
import { deriveKey } from '../../src/keys/master-key.js';

const MASTER = Buffer.alloc(32, 3);
const V1 = deriveKey(MASTER, 'routing-bodies', 1);
const V2 = deriveKey(MASTER, 'routing-bodies', 2);
const keyring = new Map([
  [1, V1],
  [2, V2],
]);
const keyFor = (version: number) => keyring.get(version);

const BODY = Buffer.from('Your code is 493817. It expires in 10 minutes.', 'utf8');
const AAD = Buffer.from('msg-000042', 'utf8');
const HEADER = 1 + 4 + 12 + 16;

function openError(sealed: Buffer, aad?: Buffer, keys = keyFor): GatewayError {
  try {
    open(keys, sealed, aad);
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('open() accepted a record it should have refused');
}

test('a sealed record opens to its plaintext, with and without AAD', (t) => {
  t.deepEqual(open(keyFor, seal(V1, 1, BODY, AAD), AAD), BODY);
  t.deepEqual(open(keyFor, seal(V2, 2, BODY)), BODY);
  t.deepEqual(open(keyFor, seal(V1, 1, Buffer.alloc(0), AAD), AAD), Buffer.alloc(0));
});

test('the layout is format 1, key version big-endian, IV, tag, then ciphertext of the plaintext length', (t) => {
  const sealed = seal(V2, 2, BODY, AAD);
  t.is(sealed.length, HEADER + BODY.length);
  t.is(sealed[0], 1);
  t.is(sealed.readUInt32BE(1), 2);
  t.is(envelopeKeyVersion(sealed), 2);
  t.is(envelopeKeyVersion(seal(V1, 0x01020304, BODY)), 0x01020304);
  t.false(sealed.includes(BODY.subarray(0, 8)));
});

test('open asks keyFor for the version the record names', (t) => {
  const asked: number[] = [];
  open((v) => (asked.push(v), keyFor(v)), seal(V2, 2, BODY, AAD), AAD);
  t.deepEqual(asked, [2]);
});

test('two seals of the same plaintext differ, and both open', (t) => {
  const a = seal(V1, 1, BODY, AAD);
  const b = seal(V1, 1, BODY, AAD);
  t.notDeepEqual(a, b);
  t.notDeepEqual(a.subarray(5, 17), b.subarray(5, 17));
  t.deepEqual(open(keyFor, a, AAD), BODY);
  t.deepEqual(open(keyFor, b, AAD), BODY);
});

test('IVs never repeat, across many seals', (t) => {
  const ivs = new Set<string>();
  for (let i = 0; i < 5000; i++) ivs.add(seal(V1, 1, BODY).subarray(5, 17).toString('hex'));
  t.is(ivs.size, 5000);
});

test('changing any byte of the IV, tag or ciphertext fails with KEY_MISMATCH', (t) => {
  const sealed = seal(V1, 1, BODY, AAD);
  for (let i = 5; i < sealed.length; i++) {
    const tampered = Buffer.from(sealed);
    tampered[i] = (tampered[i] ?? 0) ^ 0x01;
    t.is(openError(tampered, AAD).code, 'KEY_MISMATCH', `byte ${i}`);
  }
});

test('a different, missing or added AAD fails with KEY_MISMATCH: a record cannot move to another row', (t) => {
  const sealed = seal(V1, 1, BODY, AAD);
  for (let i = 0; i < AAD.length; i++) {
    const other = Buffer.from(AAD);
    other[i] = (other[i] ?? 0) ^ 0x01;
    t.is(openError(sealed, other).code, 'KEY_MISMATCH', `AAD byte ${i}`);
  }
  t.is(openError(sealed).code, 'KEY_MISMATCH');
  t.is(openError(seal(V1, 1, BODY), AAD).code, 'KEY_MISMATCH');
});

test('a record under another key fails with KEY_MISMATCH', (t) => {
  const otherMaster = deriveKey(Buffer.alloc(32, 4), 'routing-bodies', 1);
  const err = openError(seal(otherMaster, 1, BODY, AAD), AAD);
  t.is(err.code, 'KEY_MISMATCH');
  t.true(err.message.includes('key version 1'));
  // a key version relabelled to point at another key of the ring
  const relabelled = seal(V1, 1, BODY, AAD);
  relabelled.writeUInt32BE(2, 1);
  t.is(openError(relabelled, AAD).code, 'KEY_MISMATCH');
});

test('a key version with no key is KEY_MISSING naming the version', (t) => {
  const err = openError(seal(V1, 7, BODY, AAD), AAD);
  t.is(err.code, 'KEY_MISSING');
  t.true(err.message.includes('key version 7'));
});

test('a truncated record or an unknown format is KEY_MISMATCH', (t) => {
  const sealed = seal(V1, 1, BODY, AAD);
  t.is(openError(sealed.subarray(0, HEADER - 1), AAD).code, 'KEY_MISMATCH');
  t.is(openError(Buffer.alloc(0)).code, 'KEY_MISMATCH');
  const otherFormat = Buffer.from(sealed);
  otherFormat[0] = 2;
  t.is(openError(otherFormat, AAD).code, 'KEY_MISMATCH');
  t.throws(() => envelopeKeyVersion(otherFormat), { instanceOf: GatewayError });
  // cut inside the ciphertext: the tag no longer matches
  t.is(openError(sealed.subarray(0, sealed.length - 1), AAD).code, 'KEY_MISMATCH');
});
