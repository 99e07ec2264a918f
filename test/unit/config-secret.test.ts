import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GatewayError } from '../../src/errors.js';
import { readSecret } from '../../src/config/secret.js';
import { tempFiles } from '../helpers/temp-files.js';

const tmp = tempFiles('config-secret').dir;
const ENV = `MASKGATE_TEST_SECRET_${process.pid}`;
test.after.always(() => {
  delete process.env[ENV];
});

function secretError(fn: () => unknown): GatewayError {
  const err = (() => {
    try {
      fn();
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  if (!(err instanceof GatewayError)) throw new Error(`expected a GatewayError, got ${String(err)}`);
  return err;
}

test.serial('reads a password from an environment variable', (t) => {
  process.env[ENV] = 'pw-from-env';
  t.is(readSecret({ passwordEnv: ENV }, 'carrier "a"', tmp), 'pw-from-env');
});

test.serial('an unset or empty variable is SECRET_MISSING naming the variable and the fix', (t) => {
  for (const value of [undefined, '']) {
    if (value === undefined) delete process.env[ENV];
    else process.env[ENV] = value;
    const err = secretError(() => readSecret({ passwordEnv: ENV }, 'carrier "a"', tmp));
    t.is(err.code, 'SECRET_MISSING');
    t.true(err.message.startsWith('carrier "a": environment variable '));
    t.true(err.message.includes(`export ${ENV}=`));
  }
});

test('reads a password file relative to the config directory, dropping one trailing newline', (t) => {
  mkdirSync(path.join(tmp, 'secrets'), { recursive: true });
  writeFileSync(path.join(tmp, 'secrets', 'unix.password'), 'pw one\n');
  writeFileSync(path.join(tmp, 'secrets', 'dos.password'), 'pw two\r\n');
  writeFileSync(path.join(tmp, 'secrets', 'bare.password'), ' pw three ');
  t.is(readSecret({ passwordFile: 'secrets/unix.password' }, 'carrier "a"', tmp), 'pw one');
  t.is(readSecret({ passwordFile: 'secrets/dos.password' }, 'carrier "a"', tmp), 'pw two');
  t.is(readSecret({ passwordFile: path.join(tmp, 'secrets', 'bare.password') }, 'carrier "a"', '/elsewhere'), ' pw three ');
});

test('a missing password file is SECRET_MISSING naming the absolute path', (t) => {
  const err = secretError(() => readSecret({ passwordFile: 'absent.password' }, 'simulator account "x"', tmp));
  t.is(err.code, 'SECRET_MISSING');
  t.true(err.message.includes(path.join(tmp, 'absent.password')));
  t.regex(err.message, /ENOENT.*create it/);
});

test('an empty password file is SECRET_MISSING', (t) => {
  writeFileSync(path.join(tmp, 'empty.password'), '\n');
  const err = secretError(() => readSecret({ passwordFile: 'empty.password' }, 'carrier "a"', tmp));
  t.is(err.code, 'SECRET_MISSING');
  t.regex(err.message, /is empty/);
});

test('a reference with no source is SECRET_MISSING', (t) => {
  t.is(secretError(() => readSecret({}, 'carrier "a"', tmp)).code, 'SECRET_MISSING');
});
