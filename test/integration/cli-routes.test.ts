import test from 'ava';
import { tempFiles } from '../helpers/temp-files.js';
import { DEMO, maskgate } from '../helpers/cli.js';

const files = tempFiles('cli-routes');

interface Decision {
  number: string;
  route: string | null;
  carriers: string[];
  country: string | null;
  senderType: string;
  considered: { route: string; matched: boolean; why: string }[];
}

async function decide(...args: string[]): Promise<Decision> {
  const { status, stdout, stderr } = await maskgate('routes', 'test', ...args, '--json');
  if (status !== 0) throw new Error(`exit ${status}: ${stderr}`);
  return JSON.parse(stdout) as Decision;
}

test('an alpha-network number takes uz-alpha-home, uz-alpha first then uz-beta', async (t) => {
  const { status, stdout, stderr } = await maskgate('routes', 'test', '998901234567', '--json', '--config', 'config/demo.yaml');
  t.is(status, 0, stderr);
  t.deepEqual(JSON.parse(stdout), {
    number: '998901234567',
    route: 'uz-alpha-home',
    carriers: ['uz-alpha', 'uz-beta'],
    country: 'UZ',
    senderType: 'numeric',
    considered: [{ route: 'uz-alpha-home', matched: true, why: 'prefix 99890 matched' }],
  });
});

test('a number outside Uzbekistan falls through to the international route', async (t) => {
  const d = await decide('+12025550123', '--config', DEMO);
  t.is(d.route, 'international');
  t.deepEqual(d.carriers, ['uz-alpha', 'uz-beta']);
  t.is(d.country, 'US');
  t.deepEqual(
    d.considered.map((c) => [c.route, c.matched]),
    [
      ['uz-alpha-home', false],
      ['uz-beta-home', false],
      ['uz-other-networks', false],
      ['international', true],
    ],
  );
});

test('a load-shared route lists both carriers, one drawn first', async (t) => {
  const d = await decide('998951234567', '--config', DEMO);
  t.is(d.route, 'uz-other-networks');
  t.deepEqual([...d.carriers].sort(), ['uz-alpha', 'uz-beta']);
});

test('--account and --sender reach the account and sender type criteria', async (t) => {
  const config = files.write(`carriers:
  - { name: a, host: smsc.example, systemId: a, passwordEnv: A_PW }
  - { name: b, host: smsc.example, systemId: b, passwordEnv: B_PW }
routes:
  - name: acme-brand
    priority: 10
    match: { accounts: [acme], senderTypes: [alphanumeric] }
    failover: [b]
  - name: default
    failover: [a]
keys: { masterKeyEnv: MASKGATE_TEST_KEY }
`);
  const branded = await decide('998901234567', '--account', 'acme', '--sender', 'ACME', '--config', config);
  t.like(branded, { route: 'acme-brand', carriers: ['b'], senderType: 'alphanumeric' });
  const plain = await decide('998901234567', '--account', 'acme', '--config', config);
  t.like(plain, { route: 'default', senderType: 'numeric' });
  t.deepEqual(plain.considered[0], { route: 'acme-brand', matched: false, why: 'sender type numeric not in [alphanumeric]' });
});

test('no route is an answer: exit 0 with route null', async (t) => {
  const config = files.write(`carriers:
  - { name: a, host: smsc.example, systemId: a, passwordEnv: A_PW }
routes:
  - name: kz-only
    match: { countries: [KZ] }
    failover: [a]
keys: { masterKeyEnv: MASKGATE_TEST_KEY }
`);
  t.like(await decide('998901234567', '--config', config), { route: null, carriers: [], country: 'UZ', considered: [{ route: 'kz-only', matched: false, why: 'country UZ not in [KZ]' }] });
  const human = await maskgate('routes', 'test', '998901234567', '--config', config);
  t.is(human.status, 0);
  t.regex(human.stdout, /route: +none/);
});

test('the human rendering shows the route, the carriers in order and each reason', async (t) => {
  const { status, stdout } = await maskgate('--config', DEMO, 'routes', 'test', '+998 93 123 45 67');
  t.is(status, 0);
  t.true(stdout.includes('number:      +998 93 123 45 67'));
  t.regex(stdout, /route: +uz-beta-home/);
  t.regex(stdout, /carriers: +uz-beta → uz-alpha/);
  t.regex(stdout, /✗ uz-alpha-home +no prefix of \[99890, 99891\] matched/);
  t.regex(stdout, /✓ uz-beta-home +prefix 99893 matched/);
});

test('something that is not a number is a usage error that does not echo it', async (t) => {
  const { status, stdout, stderr } = await maskgate('routes', 'test', 'call-me-998907654321', '--config', DEMO);
  t.is(status, 2);
  t.is(stdout, '');
  t.regex(stderr, /the number must be digits/);
  t.false(stderr.includes('998907654321'));
});
