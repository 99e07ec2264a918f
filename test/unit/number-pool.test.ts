import test from 'ava';
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../../src/store/database.js';
import { ROUTING_MIGRATIONS } from '../../src/store/routing-schema.js';
import { NumberImportError, NumberPool } from '../../src/numbers/number-pool.js';
import { parseNumberCsv } from '../../src/numbers/number-csv.js';
import { GatewayError } from '../../src/errors.js';

const HEADER = 'e164,country,region,carrier,capabilities,reserved';

/** Generated pool numbers in made-up ranges: +998 71 200 xxxx (UZ), +7 701 000 xxxx (KZ). */
const uz = (n: number) => `+99871200${String(n).padStart(4, '0')}`;
const kz = (n: number) => `+7701000${String(n).padStart(4, '0')}`;

function setup() {
  const db = openDatabase({ path: ':memory:', name: 'routing store', migrations: ROUTING_MIGRATIONS, masterKey: randomBytes(32) });
  const clock = { now: 1_000 };
  const pool = new NumberPool(db, () => clock.now);
  const load = (lines: string[], knownCarriers: string[] = ['uz-alpha', 'kz-one']) => pool.import([HEADER, ...lines].join('\n'), { source: 'pool.csv', knownCarriers });
  return { db, pool, clock, load };
}

const rejected = (t: import('ava').ExecutionContext, run: () => unknown) => {
  const err = t.throws(run, { instanceOf: NumberImportError });
  return err as NumberImportError;
};

test('a good file imports every row with its fields, available and never leased', (t) => {
  const { pool, load } = setup();
  const result = load([`${uz(1)},UZ,Tashkent,uz-alpha,sms-mt;sms-mo,no`, `${kz(1)},kz,,kz-one,sms-mo,yes`, `${uz(2)},UZ,Samarkand,uz-alpha,,`]);
  t.deepEqual(result, { imported: 3, warnings: [] });
  t.deepEqual(pool.get(uz(1)), {
    e164: uz(1),
    country: 'UZ',
    region: 'Tashkent',
    carrier: 'uz-alpha',
    capabilities: ['sms-mt', 'sms-mo'],
    reserved: false,
    state: 'available',
    lease: null,
    coolingUntil: null,
    leaseCount: 0,
    lastUsedAt: null,
    createdAt: 1_000,
    updatedAt: 1_000,
  });
  t.like(pool.get(kz(1)), { country: 'KZ', region: null, capabilities: ['sms-mo'], reserved: true });
  t.like(pool.get(uz(2)), { capabilities: ['sms-mt', 'sms-mo'], reserved: false });
});

test('columns may come in any order and case; spaces in numbers and a byte-order mark are fine', (t) => {
  const { pool } = setup();
  const csv = '\ufeffCarrier,E164,Country\nuz-alpha,+998 71 200-0001,UZ\nuz-alpha,998712000002,uz\n';
  t.is(pool.import(csv, { source: 'x.csv', knownCarriers: ['uz-alpha'] }).imported, 2);
  t.truthy(pool.get(uz(1)));
  t.truthy(pool.get(uz(2)));
});

test('one bad row means nothing is imported, and every bad row is reported by line and column', (t) => {
  const { pool, load } = setup();
  const err = rejected(t, () =>
    load([
      `${uz(1)},UZ,,uz-alpha,,`, // line 2: good
      '+12,UZ,,uz-alpha,,', // line 3: not a number
      `${kz(1)},RU,,kz-one,,`, // line 4: +7 701 is KZ, not RU
      `${uz(3)},UZB,,uz-alpha,,`, // line 5: not alpha-2
      `${uz(4)},UZ,,uz alpha,fax,maybe`, // line 6: carrier, capability and reserved
      `${uz(1)},UZ,,uz-alpha,,`, // line 7: again
    ]),
  );
  t.is(err.code, 'USAGE');
  t.deepEqual(
    err.problems.map((p) => [p.line, p.column]),
    [
      [3, 'e164'],
      [4, 'country'],
      [5, 'country'],
      [6, 'carrier'],
      [6, 'capabilities'],
      [6, 'reserved'],
      [7, 'e164'],
    ],
  );
  t.regex(err.message, /nothing imported/);
  t.regex(err.message, /line 4, country: is RU, but \+77010000001 belongs to KZ/);
  t.regex(err.message, /line 7, e164: \+998712000001 is already on line 2/);
  t.deepEqual(pool.list(), []);
});

test('a number already in the pool rejects the whole new file', (t) => {
  const { pool, load } = setup();
  load([`${uz(1)},UZ,,uz-alpha,,`]);
  const err = rejected(t, () => load([`${uz(2)},UZ,,uz-alpha,,`, `${uz(1)},UZ,,uz-alpha,,`]));
  t.deepEqual(err.problems.map((p) => p.line), [3]);
  t.regex(err.message, /already in the pool \(available\)/);
  t.deepEqual(pool.list().map((n) => n.e164), [uz(1)]);
});

test('a header is required and checked: unknown and missing columns are reported on line 1', (t) => {
  const { pool } = setup();
  const noHeader = rejected(t, () => pool.import(`${uz(1)},UZ,,uz-alpha\n`, { source: 'x.csv', knownCarriers: [] }));
  t.true(noHeader.problems.every((p) => p.line === 1));
  t.regex(noHeader.message, /unknown column "\+998712000001"/);
  t.regex(noHeader.message, /lacks e164, country, carrier/);
  const typo = rejected(t, () => pool.import(`e164,contry,carrier\n${uz(1)},UZ,uz-alpha\n`, { source: 'x.csv', knownCarriers: [] }));
  t.regex(typo.message, /unknown column "contry"/);
  const empty = rejected(t, () => pool.import('', { source: 'x.csv', knownCarriers: [] }));
  t.regex(empty.message, /empty/);
});

test('broken CSV quoting and extra fields are reported by line', (t) => {
  const { pool, load } = setup();
  t.deepEqual(rejected(t, () => load([`${uz(1)},UZ,"Tashkent,uz-alpha,,`])).problems.map((p) => p.line), [2]);
  t.deepEqual(rejected(t, () => load([`${uz(1)},UZ,,uz-alpha,,,extra`])).problems.map((p) => p.line), [2]);
  t.deepEqual(pool.list(), []);
});

test('a carrier the configuration does not name is imported with a warning naming its lines', (t) => {
  const { pool, load } = setup();
  const result = load([`${uz(1)},UZ,,uz-alpha,,`, `${uz(2)},UZ,,uz-beta,,`, `${uz(3)},UZ,,uz-beta,,`]);
  t.is(result.imported, 3);
  t.is(result.warnings.length, 1);
  t.regex(result.warnings[0] ?? '', /carrier "uz-beta" \(lines 3, 4\) is not in the configuration \(the configuration has uz-alpha, kz-one\)/);
  t.is(pool.get(uz(2))?.carrier, 'uz-beta');
});

test('list filters by country, region, carrier and state, together', (t) => {
  const { pool, load } = setup();
  load([`${uz(1)},UZ,Tashkent,uz-alpha,,`, `${uz(2)},UZ,Samarkand,uz-alpha,,`, `${uz(3)},UZ,Tashkent,uz-beta,,`, `${kz(1)},KZ,Almaty,kz-one,,`]);
  pool.change(uz(3), 'quarantine');
  const numbers = (filter: Parameters<NumberPool['list']>[0]) => pool.list(filter).map((n) => n.e164);
  t.deepEqual(numbers({}), [kz(1), uz(1), uz(2), uz(3)]);
  t.deepEqual(numbers({ country: 'uz' }), [uz(1), uz(2), uz(3)]);
  t.deepEqual(numbers({ region: 'tashkent' }), [uz(1), uz(3)]);
  t.deepEqual(numbers({ carrier: 'uz-alpha' }), [uz(1), uz(2)]);
  t.deepEqual(numbers({ state: 'quarantined' }), [uz(3)]);
  t.deepEqual(numbers({ country: 'UZ', region: 'Tashkent', state: 'available' }), [uz(1)]);
  t.deepEqual(numbers({ country: 'DE' }), []);
  t.throws(() => pool.list({ country: 'Uzbekistan' }), { instanceOf: GatewayError, message: /alpha-2/ });
});

test('quarantine, release and retire follow the transition table and stamp updatedAt', (t) => {
  const { pool, load, clock } = setup();
  load([`${uz(1)},UZ,,uz-alpha,,`]);
  clock.now = 2_000;
  t.like(pool.change(uz(1), 'quarantine'), { state: 'quarantined', updatedAt: 2_000, createdAt: 1_000 });
  t.throws(() => pool.change(uz(1), 'quarantine'), { message: /cannot quarantine \+998712000001: it is quarantined, and only an available number/ });
  t.like(pool.change(uz(1), 'release-quarantine'), { state: 'available' });
  t.throws(() => pool.change(uz(1), 'release-quarantine'), { message: /it is available, and only a quarantined number can be released/ });
  pool.change(uz(1), 'quarantine');
  t.like(pool.change(uz(1), 'retire'), { state: 'retired' });
  for (const action of ['quarantine', 'release-quarantine', 'retire'] as const) {
    t.throws(() => pool.change(uz(1), action), { instanceOf: GatewayError, message: /it is retired/ });
  }
  t.is(pool.get(uz(1))?.state, 'retired');
});

test('show and changes take any written form of the number; an unknown one says how to find it', (t) => {
  const { pool, load } = setup();
  load([`${uz(1)},UZ,,uz-alpha,,`]);
  t.is(pool.require('998712000001').e164, uz(1));
  t.is(pool.change('+998 71 200 0001', 'retire').state, 'retired');
  t.throws(() => pool.require(uz(9)), { instanceOf: GatewayError, message: /is not in the pool; `maskgate numbers list`/ });
  t.throws(() => pool.require('hello'), { instanceOf: GatewayError, message: /not a valid E\.164 number/ });
});

test('the CSV reader reports the line a row ends on, counting blank lines', (t) => {
  const { rows, problems } = parseNumberCsv(`${HEADER}\n\n${uz(1)},UZ,,uz-alpha,,\n\n${uz(2)},UZ,,uz-alpha,,\n`);
  t.deepEqual(problems, []);
  t.deepEqual(rows.map((r) => r.line), [3, 5]);
});
