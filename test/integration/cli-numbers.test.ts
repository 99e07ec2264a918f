import test from 'ava';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempFiles } from '../helpers/temp-files.js';
import { maskgate } from '../helpers/cli.js';

const tmp = tempFiles('cli-numbers').dir;
const HEADER = 'e164,country,region,carrier,capabilities,reserved';

/** Generated pool numbers in made-up ranges: +998 71 200 xxxx (UZ), +7 701 000 xxxx (KZ). */
const uz = (n: number) => `+99871200${String(n).padStart(4, '0')}`;
const kz = (n: number) => `+7701000${String(n).padStart(4, '0')}`;

interface Listed {
  e164: string;
  country: string;
  region: string | null;
  carrier: string;
  capabilities: string[];
  reserved: boolean;
  state: string;
  leaseCount: number;
}

/**
 * A configuration (one carrier, uz-alpha, never connected to: the numbers commands only open
 * the store) and its own routing store and key file, so the tests never share a pool.
 */
function setup(name: string) {
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  const config = path.join(dir, 'maskgate.yaml');
  writeFileSync(
    config,
    [
      'keys:',
      '  masterKeyFile: ./master.key',
      '  createIfMissing: true',
      'stores:',
      '  routing:',
      '    path: ./routing.db',
      'http:',
      '  enabled: false',
      'carriers:',
      '  - name: uz-alpha',
      '    host: 127.0.0.1',
      '    port: 2775',
      '    systemId: mg',
      '    passwordEnv: MASKGATE_TEST_UNUSED_PASSWORD',
      '',
    ].join('\n'),
  );
  const csv = (fileName: string, lines: string[]) => {
    const file = path.join(dir, fileName);
    writeFileSync(file, [HEADER, ...lines, ''].join('\n'));
    return file;
  };
  const run = (...args: string[]) => maskgate('--config', config, 'numbers', ...args);
  const json = async <T>(...args: string[]): Promise<T> => {
    const r = await maskgate('--config', config, '--json', 'numbers', ...args);
    if (r.status !== 0) throw new Error(`numbers ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    assertOneLine(r.stdout);
    return JSON.parse(r.stdout) as T;
  };
  return { run, json, csv };
}

/** --json prints exactly one line. */
function assertOneLine(stdout: string): void {
  if (stdout.split('\n').filter((l) => l !== '').length !== 1) throw new Error(`--json printed more than one line: ${stdout}`);
}

test('import a good file, then list and show it as text and as one line of JSON', async (t) => {
  const { run, json, csv } = setup('good');
  const file = csv('pool.csv', [`${uz(1)},UZ,Tashkent,uz-alpha,,no`, `${uz(2)},UZ,Samarkand,uz-alpha,sms-mo,yes`, `${kz(1)},KZ,Almaty,kz-one,,`]);
  const imported = await run('import', file);
  t.is(imported.status, 0, imported.stderr);
  t.regex(imported.stdout, /^imported 3 numbers from /);
  // kz-one is not configured: imported, with a warning naming the line.
  t.regex(imported.stdout, /warning: carrier "kz-one" \(line 4\) is not in the configuration \(the configuration has uz-alpha\)/);

  const listed = await json<Listed[]>('list');
  t.deepEqual(listed.map((n) => n.e164), [kz(1), uz(1), uz(2)]);
  t.like(listed[2], { country: 'UZ', region: 'Samarkand', carrier: 'uz-alpha', capabilities: ['sms-mo'], reserved: true, state: 'available', leaseCount: 0 });

  const table = await run('list');
  t.is(table.status, 0);
  t.regex(table.stdout, /^NUMBER\s+COUNTRY\s+REGION\s+CARRIER\s+STATE/);
  t.regex(table.stdout, /\+998712000001\s+UZ\s+Tashkent\s+uz-alpha\s+available/);

  const shown = await run('show', kz(1));
  t.is(shown.status, 0);
  t.regex(shown.stdout, /carrier\s+kz-one {2}\(not in the configuration\)/);
  t.like(await json<Listed>('show', '998712000002'), { e164: uz(2), reserved: true });
});

test('a file with bad rows imports nothing and exits 2 naming every bad line', async (t) => {
  const { run, json, csv } = setup('bad');
  const file = csv('bad.csv', [
    `${uz(1)},UZ,,uz-alpha,,`, // line 2: good
    `${kz(1)},UZ,,uz-alpha,,`, // line 3: a KZ number
    '+99871,UZ,,uz-alpha,,', // line 4: too short
    `${uz(1)},UZ,,uz-alpha,,`, // line 5: twice
  ]);
  const r = await run('import', file);
  t.is(r.status, 2);
  t.is(r.stdout, '');
  t.regex(r.stderr, /nothing imported; fix these 3 problems/);
  t.regex(r.stderr, /line 3, country: is UZ, but \+77010000001 belongs to KZ by its prefix/);
  t.regex(r.stderr, /line 4, e164: "\+99871" is not a valid E\.164 number/);
  t.regex(r.stderr, /line 5, e164: \+998712000001 is already on line 2/);
  t.deepEqual(r.stderr.split('\n').filter((l) => l.startsWith('  line ')).map((l) => l.split(',')[0]), ['  line 3', '  line 4', '  line 5']);
  t.deepEqual(await json<Listed[]>('list'), []);

  const missing = await run('import', path.join(path.dirname(file), 'nope.csv'));
  t.is(missing.status, 2);
  t.regex(missing.stderr, /cannot read .*nope\.csv: no such file/);
});

test('list filters by country, region, carrier and state', async (t) => {
  const { run, json, csv } = setup('filters');
  t.is((await run('import', csv('pool.csv', [`${uz(1)},UZ,Tashkent,uz-alpha,,`, `${uz(2)},UZ,Samarkand,uz-alpha,,`, `${uz(3)},UZ,Tashkent,uz-beta,,`, `${kz(1)},KZ,Almaty,kz-one,,`]))).status, 0);
  t.is((await run('quarantine', uz(3))).status, 0);
  const numbers = async (...filters: string[]) => (await json<Listed[]>('list', ...filters)).map((n) => n.e164);
  t.deepEqual(await numbers('--country', 'KZ'), [kz(1)]);
  t.deepEqual(await numbers('--region', 'tashkent'), [uz(1), uz(3)]);
  t.deepEqual(await numbers('--carrier', 'uz-alpha'), [uz(1), uz(2)]);
  t.deepEqual(await numbers('--state', 'quarantined'), [uz(3)]);
  t.deepEqual(await numbers('--country', 'UZ', '--state', 'available', '--region', 'Tashkent'), [uz(1)]);
  const none = await run('list', '--country', 'DE');
  t.is(none.stdout.trim(), 'no numbers match these filters');
  const badState = await run('list', '--state', 'rented');
  t.is(badState.status, 2);
  t.regex(badState.stderr, /Allowed choices are available, leased, cooling, quarantined, retired/);
});

test('quarantine, release-quarantine and retire change the state; a wrong change exits 2', async (t) => {
  const { run, json, csv } = setup('states');
  t.is((await run('import', csv('pool.csv', [`${uz(1)},UZ,,uz-alpha,,`]))).status, 0);
  t.like(await json<Listed>('quarantine', uz(1)), { state: 'quarantined' });
  const again = await run('quarantine', uz(1));
  t.is(again.status, 2);
  t.regex(again.stderr, /cannot quarantine \+998712000001: it is quarantined/);
  t.like(await json<Listed>('release-quarantine', uz(1)), { state: 'available' });
  const retired = await run('retire', uz(1));
  t.is(retired.status, 0);
  t.regex(retired.stdout, /^retired \+998712000001\n/);
  t.is((await run('release-quarantine', uz(1))).status, 2);
  t.like(await json<Listed>('show', uz(1)), { state: 'retired' });

  const unknown = await run('retire', uz(9));
  t.is(unknown.status, 2);
  t.regex(unknown.stderr, /is not in the pool; `maskgate numbers list` shows the pool/);
});
