import test from 'ava';
import path from 'node:path';
import { ConfigError, GatewayError } from '../../src/errors.js';
import { loadConfig } from '../../src/config/loader.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('config-loader');
const tmp = files.dir;
const writeConfig = (text: string) => files.write(text);

function loadError(file: string): unknown {
  try {
    loadConfig(file);
  } catch (err) {
    return err;
  }
  return undefined;
}

const SEVERAL_ERRORS = `carriers:
  - name: a
    host: smsc-a.example
    systemId: sysa
    passwordEnv: A_PW
    throughput: 5
  - name: b
    host: smsc-b.example
    systemId: sysb
    passwordEnv: B_PW
    throughputMsgPerSec: 0
    window: 0
    bindMode: transciever
routes:
  - name: r
    failover: [foo, b]
logging:
  levle: debug
`;

test('a file with several errors reports all of them in file order, with paths, values and lines', (t) => {
  const file = writeConfig(SEVERAL_ERRORS);
  const err = loadError(file);
  t.true(err instanceof ConfigError);
  const { issues, message, code } = err as ConfigError;
  t.is(code, 'CONFIG_INVALID');
  t.deepEqual(issues, [
    { path: 'carriers[0].throughput', message: 'unknown field "throughput"; did you mean "throughputMsgPerSec"? (line 6)' },
    { path: 'carriers[1].throughputMsgPerSec', message: 'must be a number > 0, got 0 (line 11)' },
    { path: 'carriers[1].window', message: 'must be a whole number ≥ 1, got 0 (line 12)' },
    { path: 'carriers[1].bindMode', message: 'must be one of "transceiver", "transmitter+receiver", got "transciever"; did you mean "transceiver"? (line 13)' },
    { path: 'routes[0].failover[0]', message: 'unknown carrier "foo"; carriers are: a, b (line 16)' },
    { path: 'logging.levle', message: 'unknown field "levle"; did you mean "level"? (line 18)' },
  ]);
  // The thrown message lists every issue under the file name, for the CLI to print as is.
  t.true(message.startsWith(`${file} is not a valid maskgate configuration:\n`));
  t.true(message.includes('\n  carriers[1].throughputMsgPerSec: must be a number > 0, got 0'));
});

test('an unknown field far from every known one gets no suggestion', (t) => {
  const err = loadError(writeConfig('http:\n  zzzzzz: 1\n')) as ConfigError;
  t.deepEqual(err.issues, [{ path: 'http.zzzzzz', message: 'unknown field "zzzzzz"; remove it (line 2)' }]);
});

test('a missing required field says what it needs', (t) => {
  const err = loadError(writeConfig('carriers:\n  - name: a\n    passwordEnv: A_PW\n')) as ConfigError;
  t.deepEqual(err.issues, [
    { path: 'carriers[0].host', message: 'is required: a string (line 2)' },
    { path: 'carriers[0].systemId', message: 'is required: a string (line 2)' },
  ]);
});

test('a wrong type shows the value found', (t) => {
  const err = loadError(writeConfig('smpp:\n  tcp:\n    port: fast\n  windowSize: [1]\n')) as ConfigError;
  t.deepEqual(err.issues, [
    { path: 'smpp.tcp.port', message: 'must be a number, got "fast" (line 3)' },
    { path: 'smpp.windowSize', message: 'must be a number, got a list of 1 item (line 4)' },
  ]);
});

test('a value in a secret field is never echoed back', (t) => {
  const err = loadError(writeConfig('carriers:\n  - { name: a, host: h, systemId: s, passwordEnv: "hunter2 pw" }\n')) as ConfigError;
  t.is(err.issues[0]?.path, 'carriers[0].passwordEnv');
  t.false(err.message.includes('hunter2'));
});

test('a YAML syntax error reports its line and column', (t) => {
  const err = loadError(writeConfig('smpp:\n  tcp:\n    port: 2775\ncarriers: [a, b\nroutes: []\n'));
  t.true(err instanceof ConfigError);
  const issues = (err as ConfigError).issues;
  t.is(issues.length, 1);
  t.is(issues[0]?.path, 'line 5:1');
  t.regex(issues[0]?.message ?? '', /^invalid YAML: /);
});

test('a duplicate key is a YAML error, not a silent override', (t) => {
  const err = loadError(writeConfig('http:\n  port: 1\n  port: 2\n')) as ConfigError;
  t.deepEqual(err.issues.map((i) => i.path), ['line 3:3']);
});

test('a file that is not a mapping is rejected', (t) => {
  const err = loadError(writeConfig('- just\n- a list\n')) as ConfigError;
  t.deepEqual(err.issues, [{ path: '', message: 'must be a mapping, got a list of 2 items (line 1)' }]);
});

test('a missing file names the path and how to point at another', (t) => {
  const missing = path.join(tmp, 'nope.yaml');
  const err = loadError(missing);
  t.true(err instanceof GatewayError);
  t.false(err instanceof ConfigError);
  t.is((err as GatewayError).code, 'CONFIG_UNREADABLE');
  t.regex((err as GatewayError).message, /nope\.yaml \(ENOENT\).*--config.*MASKGATE_CONFIG/);
});
