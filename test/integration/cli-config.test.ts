import test from 'ava';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { tempFiles } from '../helpers/temp-files.js';
import { CLI, ROOT } from '../helpers/cli.js';

const files = tempFiles('cli-config');
const tmp = files.dir;

const UNSET_ENV = `MASKGATE_TEST_UNSET_${process.pid}`;
const KEY_ENV = `MASKGATE_TEST_KEY_${process.pid}`;

const write = (name: string, text: string) => files.write(text, name);

function maskgate(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, [KEY_ENV]: 'not-a-real-key' };
  delete env[UNSET_ENV];
  delete env.MASKGATE_CONFIG;
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const BAD = write(
  'bad.yaml',
  `carriers:
  - name: a
    host: smsc.example
    systemId: sys
    passwordEnv: A_PW
    window: 0
routes:
  - name: r
    failover: [ghost]
`,
);

const GOOD = write(
  'good.yaml',
  `carriers:
  - name: a
    host: smsc.example
    systemId: sys
    passwordEnv: ${UNSET_ENV}
routes:
  - name: everything
    failover: [a]
keys:
  masterKeyEnv: ${KEY_ENV}
http:
  enabled: false
`,
);

test('config check of an invalid file exits 2 and prints every problem with its path', (t) => {
  const { status, stdout, stderr } = maskgate('config', 'check', BAD);
  t.is(status, 2);
  t.is(stdout, '');
  t.true(stderr.includes(`${BAD} is not a valid maskgate configuration`));
  t.true(stderr.includes('carriers[0].window: must be a whole number ≥ 1, got 0'));
  t.true(stderr.includes('routes[0].failover[0]: unknown carrier "ghost"'));
});

test('config check --json of an invalid file prints the issues as JSON and exits 2', (t) => {
  const { status, stdout } = maskgate('--json', 'config', 'check', BAD);
  t.is(status, 2);
  const result = JSON.parse(stdout) as { valid: boolean; file: string; issues: { path: string; message: string }[] };
  t.false(result.valid);
  t.is(result.file, BAD);
  t.deepEqual(result.issues.map((i) => i.path), ['carriers[0].window', 'routes[0].failover[0]']);
});

test('config check --json of a missing file reports it as JSON and exits 2', (t) => {
  const missing = path.join(tmp, 'absent.yaml');
  const { status, stdout } = maskgate('config', 'check', '--json', missing);
  t.is(status, 2);
  const result = JSON.parse(stdout) as { valid: boolean; issues: { message: string }[] };
  t.false(result.valid);
  t.regex(result.issues[0]?.message ?? '', /absent\.yaml \(ENOENT\)/);
});

test('config check of a valid file exits 0 with a summary and warns of missing secrets', (t) => {
  const { status, stdout, stderr } = maskgate('config', 'check', GOOD);
  t.is(status, 0);
  t.is(stderr, '');
  t.true(stdout.startsWith(`${GOOD}: valid\n`));
  t.regex(stdout, /carriers: +1 \(a\)/);
  t.regex(stdout, /routes: +1 \(everything\)/);
  t.true(stdout.includes(`carriers[0].passwordEnv: environment variable ${UNSET_ENV} is not set`));
  t.false(stdout.includes(KEY_ENV));
});

test('config check --json of a valid file prints the summary as JSON', (t) => {
  const { status, stdout } = maskgate('--json', 'config', 'check', GOOD);
  t.is(status, 0);
  t.deepEqual(JSON.parse(stdout), {
    valid: true,
    file: GOOD,
    summary: {
      listeners: [{ protocol: 'smpp', host: '0.0.0.0', port: 2775 }],
      carriers: ['a'],
      routes: ['everything'],
      simulatorInstances: 0,
      simulatorEmbedded: false,
    },
    warnings: [{ path: 'carriers[0].passwordEnv', message: `environment variable ${UNSET_ENV} is not set; export it before starting` }],
  });
});

test('config check without a file checks the --config file, the demo by default', (t) => {
  const { status, stdout } = maskgate('--json', 'config', 'check');
  t.is(status, 0);
  const result = JSON.parse(stdout) as { valid: boolean; file: string; summary: { carriers: string[]; simulatorInstances: number } };
  t.true(result.valid);
  t.is(result.file, path.join(ROOT, 'config', 'demo.yaml'));
  t.deepEqual(result.summary.carriers, ['uz-alpha', 'uz-beta']);
  t.is(result.summary.simulatorInstances, 2);
  t.is(maskgate('--config', BAD, 'config', 'check').status, 2);
});
