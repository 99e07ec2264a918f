import test from 'ava';
import type { Config } from '../../src/config/schema.js';
import { parseDestination } from '../../src/routing/destination.js';
import { RouteTable } from '../../src/routing/route-table.js';
import { senderType } from '../../src/routing/sender-type.js';

type Route = Config['routes'][number];

// Test numbers only: +998 90 123 4567 and the like are made up, +1 xxx 555-01xx is fictional.
const UZ_ALPHA = '998901234567';
const UZ_BETA = '998931234567';
const KZ = '77011234567';
const RU = '79121234567';
const US = '12025550123';
const CA = '14165550123';

function route(name: string, fields: Partial<Omit<Route, 'name'>> = {}): Route {
  const { priority = 0, match = {}, ...rest } = fields;
  return { name, priority, match, ...(rest.loadShare ? { loadShare: rest.loadShare } : { failover: rest.failover ?? ['c1'] }) };
}

const input = (destinationAddr: string, more: Partial<Parameters<RouteTable['decide']>[0]> = {}) => ({
  destinationAddr,
  destTon: 1,
  account: 'acme',
  sourceAddr: '998712000000',
  sourceTon: 1,
  ...more,
});

test('routes are tried by priority, higher first, whatever their place in the file', (t) => {
  const table = new RouteTable([route('low', { priority: 1, failover: ['a'] }), route('high', { priority: 10, failover: ['b'] })]);
  const d = table.decide(input(UZ_ALPHA));
  t.is(d.route, 'high');
  t.deepEqual(d.carriers, ['b']);
  t.deepEqual(d.considered, [{ route: 'high', matched: true, why: 'no criteria: matches every message' }]);
});

test('equal priorities keep file order', (t) => {
  const table = new RouteTable([route('first', { priority: 5 }), route('second', { priority: 5 }), route('third', { priority: 5 })]);
  t.is(table.decide(input(UZ_ALPHA)).route, 'first');
  const reversed = new RouteTable([route('third', { priority: 5 }), route('second', { priority: 5 }), route('first', { priority: 5 })]);
  t.is(reversed.decide(input(UZ_ALPHA)).route, 'third');
});

test('a destination prefix matches the digits, with or without + on either side', (t) => {
  const table = new RouteTable([
    route('beta', { priority: 2, match: { destinationPrefixes: ['99893', '99894'] } }),
    route('alpha', { priority: 1, match: { destinationPrefixes: ['+99890', '99891'] } }),
  ]);
  const d = table.decide(input(`+${UZ_ALPHA}`));
  t.is(d.route, 'alpha');
  t.is(d.destination.prefixMatched, '99890');
  t.deepEqual(d.considered, [
    { route: 'beta', matched: false, why: 'no prefix of [99893, 99894] matched' },
    { route: 'alpha', matched: true, why: 'prefix 99890 matched' },
  ]);
  t.is(table.decide(input(UZ_BETA)).route, 'beta');
  t.is(table.decide(input(`00${UZ_BETA}`)).route, 'beta', 'a leading 00 is the international prefix');
});

test('within a route the most specific listed prefix is reported', (t) => {
  const table = new RouteTable([route('uz', { match: { destinationPrefixes: ['998', '99890', '9989'] } })]);
  t.is(table.decide(input(UZ_ALPHA)).destination.prefixMatched, '99890');
  t.deepEqual(table.decide(input(US)).considered[0], { route: 'uz', matched: false, why: 'no prefix of [998, 99890, 9989] matched' }, 'listed in file order');
});

test('country comes from the numbering plan: +998 UZ, +7 RU or KZ, +1 US or CA', (t) => {
  const table = new RouteTable([
    route('kz', { priority: 3, match: { countries: ['KZ'] }, failover: ['kz-carrier'] }),
    route('ru', { priority: 2, match: { countries: ['RU'] }, failover: ['ru-carrier'] }),
    route('north-america', { priority: 1, match: { countries: ['US', 'CA'] }, failover: ['na-carrier'] }),
    route('uz', { match: { countries: ['UZ'] }, failover: ['uz-carrier'] }),
  ]);
  const decide = (n: string) => table.decide(input(n));
  t.like(decide(UZ_ALPHA), { route: 'uz', destination: { country: 'UZ' } });
  t.like(decide(KZ), { route: 'kz', destination: { country: 'KZ' } });
  t.like(decide(RU), { route: 'ru', destination: { country: 'RU' } });
  t.like(decide(US), { route: 'north-america', destination: { country: 'US' } });
  t.like(decide(CA), { route: 'north-america', destination: { country: 'CA' } });
  t.deepEqual(decide(RU).considered[0], { route: 'kz', matched: false, why: 'country RU not in [KZ]' });
  t.deepEqual(decide(CA).considered[2], { route: 'north-america', matched: true, why: 'country CA in [US, CA]' });
});

test('an account criterion matches only the listed accounts', (t) => {
  const table = new RouteTable([route('bob-only', { priority: 1, match: { accounts: ['bob'] } }), route('rest')]);
  const d = table.decide(input(UZ_ALPHA, { account: 'acme' }));
  t.is(d.route, 'rest');
  t.deepEqual(d.considered[0], { route: 'bob-only', matched: false, why: 'account acme not in [bob]' });
  t.is(table.decide(input(UZ_ALPHA, { account: 'bob' })).route, 'bob-only');
});

test('a sender type criterion matches alphanumeric, short code and numeric senders', (t) => {
  const table = new RouteTable([
    route('alpha', { priority: 3, match: { senderTypes: ['alphanumeric'] } }),
    route('short', { priority: 2, match: { senderTypes: ['shortcode'] } }),
    route('numeric', { priority: 1, match: { senderTypes: ['numeric'] } }),
  ]);
  const d = table.decide(input(UZ_ALPHA, { sourceAddr: 'ACME', sourceTon: 5 }));
  t.like(d, { route: 'alpha', senderType: 'alphanumeric' });
  t.like(table.decide(input(UZ_ALPHA, { sourceAddr: '4567', sourceTon: 1 })), { route: 'short', senderType: 'shortcode' });
  const numeric = table.decide(input(UZ_ALPHA, { sourceAddr: '998712000000', sourceTon: 1 }));
  t.like(numeric, { route: 'numeric', senderType: 'numeric' });
  t.deepEqual(numeric.considered[0], { route: 'alpha', matched: false, why: 'sender type numeric not in [alphanumeric]' });
});

test('every present criterion must hold; the reasons name each that failed', (t) => {
  const strict = route('strict', {
    priority: 1,
    match: { destinationPrefixes: ['99890'], countries: ['UZ'], accounts: ['acme'], senderTypes: ['alphanumeric'] },
  });
  const table = new RouteTable([strict, route('fallback')]);
  const all = table.decide(input(UZ_ALPHA, { sourceAddr: 'ACME', sourceTon: 5 }));
  t.deepEqual(all.considered[0], {
    route: 'strict',
    matched: true,
    why: 'prefix 99890 matched; country UZ in [UZ]; account acme in [acme]; sender type alphanumeric in [alphanumeric]',
  });
  const twoWrong = table.decide(input(UZ_ALPHA, { account: 'bob' }));
  t.is(twoWrong.route, 'fallback');
  t.deepEqual(twoWrong.considered[0], { route: 'strict', matched: false, why: 'account bob not in [acme]; sender type numeric not in [alphanumeric]' });
});

test('failover gives the carriers in the listed order', (t) => {
  const table = new RouteTable([route('r', { failover: ['c', 'a', 'b'] })]);
  t.deepEqual(table.decide(input(UZ_ALPHA)).carriers, ['c', 'a', 'b']);
});

test('load share draws the first carrier by weight, the others follow by descending weight', (t) => {
  let next = 0;
  const routes = [route('shared', { loadShare: [{ carrier: 'small', weight: 1 }, { carrier: 'big', weight: 3 }, { carrier: 'mid', weight: 2 }] })];
  const table = new RouteTable(routes, { random: () => next });
  const draw = (r: number) => {
    next = r;
    return table.decide(input(UZ_ALPHA)).carriers;
  };
  // Slices of [0, 6) in file order: small [0, 1), big [1, 4), mid [4, 6).
  t.deepEqual(draw(0), ['small', 'big', 'mid']);
  t.deepEqual(draw(0.16), ['small', 'big', 'mid']);
  t.deepEqual(draw(1 / 6), ['big', 'mid', 'small']);
  t.deepEqual(draw(0.66), ['big', 'mid', 'small']);
  t.deepEqual(draw(4 / 6), ['mid', 'big', 'small']);
  t.deepEqual(draw(0.999), ['mid', 'big', 'small']);
  t.deepEqual(draw(1), ['mid', 'big', 'small'], 'a stub returning 1 still gets a carrier');
});

test('load share with equal weights keeps file order behind the drawn carrier', (t) => {
  const table = new RouteTable([route('even', { loadShare: [{ carrier: 'a', weight: 1 }, { carrier: 'b', weight: 1 }, { carrier: 'c', weight: 1 }] })], {
    random: () => 0.5,
  });
  t.deepEqual(table.decide(input(UZ_ALPHA)).carriers, ['b', 'a', 'c']);
});

test('no matching route gives no route and no carriers, every route considered', (t) => {
  const table = new RouteTable([route('uz', { priority: 1, match: { countries: ['UZ'] } }), route('bob', { match: { accounts: ['bob'] } })]);
  const d = table.decide(input(US));
  t.deepEqual(d, {
    route: null,
    carriers: [],
    destination: { country: 'US' },
    senderType: 'numeric',
    considered: [
      { route: 'uz', matched: false, why: 'country US not in [UZ]' },
      { route: 'bob', matched: false, why: 'account acme not in [bob]' },
    ],
  });
  t.deepEqual(new RouteTable([]).decide(input(US)).considered, []);
});

test('routes after the winner are not considered', (t) => {
  const table = new RouteTable([route('a', { priority: 2 }), route('b', { priority: 1 })]);
  t.deepEqual(table.decide(input(UZ_ALPHA)).considered.map((c) => c.route), ['a']);
});

test('no reason shows the number', (t) => {
  const table = new RouteTable([
    route('p', { priority: 3, match: { destinationPrefixes: ['1'] } }),
    route('c', { priority: 2, match: { countries: ['KZ'] } }),
    route('hit', { priority: 1, match: { destinationPrefixes: ['998'] } }),
  ]);
  for (const c of table.decide(input(UZ_ALPHA)).considered) t.false(c.why.includes('9989012'), c.why);
});

test('a TON 0 destination counts as international only when it is a valid international number', (t) => {
  t.deepEqual(parseDestination(UZ_ALPHA, 0), { digits: UZ_ALPHA, e164: `+${UZ_ALPHA}`, country: 'UZ' });
  // Nine digits of a national UZ number: as international they would be +90 (TR), invalid.
  t.deepEqual(parseDestination('901234567', 0), { digits: '901234567', e164: null, country: null });
  const table = new RouteTable([route('uz', { match: { countries: ['UZ'] } })]);
  t.deepEqual(table.decide(input('901234567', { destTon: 0 })).considered[0], { route: 'uz', matched: false, why: 'country unknown not in [UZ]' });
});

test('a TON 1 destination keeps the country of its calling code even when not a valid number', (t) => {
  t.deepEqual(parseDestination('998001234567', 1), { digits: '998001234567', e164: null, country: 'UZ' });
  t.deepEqual(parseDestination('998001234567', 0), { digits: '998001234567', e164: null, country: null });
  t.deepEqual(parseDestination('+998 90 123-45-67', 0), { digits: UZ_ALPHA, e164: `+${UZ_ALPHA}`, country: 'UZ' });
});

test('national and other TONs give digits but no country; a non-number gives neither', (t) => {
  t.deepEqual(parseDestination(UZ_ALPHA, 2), { digits: UZ_ALPHA, e164: null, country: null });
  t.deepEqual(parseDestination('ACME', 1), { digits: '', e164: null, country: null });
  t.deepEqual(parseDestination('', 1), { digits: '', e164: null, country: null });
});

test('sender type: letters or TON 5 alphanumeric, TON 3/6 or 3–8 digits short code, else numeric', (t) => {
  t.is(senderType('ACME', 0), 'alphanumeric');
  t.is(senderType('Bank24', 1), 'alphanumeric', 'a letter wins over the TON');
  t.is(senderType('12345', 5), 'alphanumeric', 'TON 5 says so');
  t.is(senderType('998712000000', 3), 'shortcode');
  t.is(senderType('998712000000', 6), 'shortcode');
  t.is(senderType('123', 1), 'shortcode');
  t.is(senderType('12345678', 0), 'shortcode');
  t.is(senderType('12', 0), 'numeric');
  t.is(senderType('123456789', 1), 'numeric');
  t.is(senderType('+998712000000', 1), 'numeric');
  t.is(senderType('', 0), 'numeric');
});

test('messages with the same sticky key draw the same load-share carrier; other keys spread by weight', (t) => {
  const table = new RouteTable([route('shared', { loadShare: [{ carrier: 'a', weight: 1 }, { carrier: 'b', weight: 1 }] })]);
  const input = { destinationAddr: UZ_ALPHA, destTon: 1, account: 'acme', sourceAddr: 'ACME', sourceTon: 5 };
  const first = table.decide({ ...input, stickyKey: 'acme|ACME|ref 7' }).carriers;
  for (let i = 0; i < 50; i++) t.deepEqual(table.decide({ ...input, stickyKey: 'acme|ACME|ref 7' }).carriers, first);
  const firsts = new Set(Array.from({ length: 200 }, (_, i) => table.decide({ ...input, stickyKey: `acme|ACME|ref ${i}` }).carriers[0]));
  t.deepEqual([...firsts].sort(), ['a', 'b'], 'different messages still share the load');
});
