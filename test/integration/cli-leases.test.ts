/**
 * `maskgate leases|masks|sessions` as an operator runs them (child processes on a temporary
 * configuration): every command as text and as --json, exit codes (2: bad input, 1: no
 * number available), and that no real number is ever printed.
 */
import test, { type ExecutionContext } from 'ava';
import { loadConfig } from '../../src/config/loader.js';
import { LeaseBook, type Lease } from '../../src/numbers/leases.js';
import type { Shown } from '../../src/cli/holder-state.js';
import { NumberPool } from '../../src/numbers/number-pool.js';
import { openRoutingStore } from '../../src/store/routing-store.js';
import { maskgate, maskgateWithInput } from '../helpers/cli.js';
import { testNumber } from '../helpers/esme.js';
import { addAccounts, HOUR, numbersConfig, poolCsv, poolNumber } from '../helpers/number-books.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('cli-leases');
// Serial: each CLI run loads the whole program (seconds of CPU on a shared 2-core machine);
// run side by side they only slow each other and leave long gaps without a result.
type Run = Awaited<ReturnType<typeof maskgate>>;

/** A configuration with its own stores, a pool of `count` numbers and the account acme. */
async function setup(count: number) {
  const config = numbersConfig(files);
  const loaded = loadConfig(config);
  const { db } = openRoutingStore(loaded);
  try {
    new NumberPool(db).import(poolCsv(Array.from({ length: count }, (_, i) => poolNumber(500 + i))), { source: 'pool.csv', knownCarriers: [] });
    await addAccounts(db, loaded, ['acme']);
  } finally {
    db.close();
  }
  /** Every output, to search for real numbers at the end. */
  const printed: Run[] = [];
  const keep = (r: Run) => (printed.push(r), r);
  const cli = async (...args: string[]) => keep(await maskgate('--config', config, ...args));
  const cliWithInput = async (input: string, ...args: string[]) => keep(await maskgateWithInput(input, '--config', config, ...args));
  return { config, cli, cliWithInput, printed };
}

/** The JSON of a command that succeeded and printed exactly one line. */
function json<T>(t: ExecutionContext, r: Run): T {
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout.trimEnd().split('\n').length, 1, '--json prints one line');
  return JSON.parse(r.stdout) as T;
}

/** A command that failed with this exit code, and its error message. */
function failed(t: ExecutionContext, r: Run, status: 1 | 2): string {
  t.is(r.status, status, `exit ${r.status}: ${r.stdout}${r.stderr}`);
  t.is(r.stdout, '');
  return r.stderr;
}

/** No output holds any of the real numbers, in full or its national part. */
function neverPrinted(t: ExecutionContext, printed: Run[], reals: string[]): void {
  const text = printed.map((r) => r.stdout + r.stderr).join('\n');
  for (const real of reals) {
    t.false(text.includes(real.replace('+', '')), `…${real.slice(-3)} was printed`);
    t.false(text.includes(real.slice(-9)), `…${real.slice(-3)} was printed in part`);
  }
}

/** What `--json` prints for a lease: the store's record and its state (cli/holder-state.ts). */
type LeaseJson = Shown<Lease>;

test.serial('leases request, show, list and release, as text and JSON', async (t) => {
  const { cli } = await setup(3);
  const lease = json<LeaseJson>(t, await cli('--json', 'leases', 'request', '--account', 'acme', '--ttl', '30m', '--reference', 'order-1'));
  t.like(lease, { number: poolNumber(500), account: 'acme', reference: 'order-1', messageCap: null, state: 'active', endReason: null });
  t.is(lease.expiresAt - lease.createdAt, 30 * 60_000);

  const text = await cli('leases', 'request', '--account', 'acme', '--ttl', '1h30m', '--country', 'UZ', '--region', 'tashkent', '--cap', '5');
  t.is(text.status, 0, text.stderr);
  t.regex(text.stdout, new RegExp(`^leased \\${poolNumber(501)} to acme until \\d{4}-\\d\\d-\\d\\dT`));
  t.regex(text.stdout, /\nmessages   0 of 5\n/);
  const second = /lease      (lease-[0-9a-f]+)/.exec(text.stdout)![1]!;

  t.regex(text.stdout, /\nlease      lease-[0-9a-f]+\nnumber     \+998712400501\naccount    acme\nreference  -\nstate      active\n/);
  t.deepEqual(json<LeaseJson>(t, await cli('--json', 'leases', 'show', lease.id)), lease);

  t.deepEqual(json<LeaseJson[]>(t, await cli('--json', 'leases', 'list')).map((l) => l.id), [second, lease.id]);
  const listed = await cli('leases', 'list', '--account', 'acme', '--active');
  t.regex(listed.stdout, /^ID +NUMBER +ACCOUNT +STATE +EXPIRES +MESSAGES +REFERENCE\n/);
  t.regex(listed.stdout, new RegExp(`${second} +\\+998712400501 +acme +active +\\S+ +0/5 +-`));

  const released = await cli('leases', 'release', lease.id);
  t.is(released.status, 0, released.stderr);
  t.regex(released.stdout, /^released lease-[0-9a-f]+ \(\+998712400500\)\n[^]*state      ended \(release\) at /);
});

test.serial('numbers list and show tell leased and cooling numbers, and filter by them', async (t) => {
  const { config, cli } = await setup(3);
  // Two leases, one released: made in-process, through the same lease book the CLI uses.
  const loaded = loadConfig(config);
  const { db } = openRoutingStore(loaded);
  t.teardown(() => db.close());
  const book = new LeaseBook(db, loaded.numbers.leases);
  book.release(book.request({ account: 'acme', ttlMs: HOUR }).id);
  const second = book.request({ account: 'acme', ttlMs: HOUR }).id;

  // The released number cools down (a day by default).
  const numbers = json<{ e164: string; state: string; lease: { id: string } | null; coolingUntil: number | null }[]>(t, await cli('--json', 'numbers', 'list'));
  t.like(numbers, [{ state: 'cooling', lease: null }, { state: 'leased', lease: { id: second } }, { state: 'available', lease: null, coolingUntil: null }]);
  t.true(numbers[0]!.coolingUntil! > Date.now() + 23 * HOUR);
  t.deepEqual(json<{ e164: string }[]>(t, await cli('--json', 'numbers', 'list', '--state', 'cooling')).map((n) => n.e164), [poolNumber(500)]);
  t.regex((await cli('numbers', 'show', poolNumber(501))).stdout, new RegExp(`state         leased to acme until \\S+ \\(${second}\\)`));
});

test.serial('no number available exits 1 at once, naming the pool and the reason', async (t) => {
  const { cli, cliWithInput, printed } = await setup(1);
  t.is((await cli('leases', 'request', '--account', 'acme', '--ttl', '45s')).status, 0);
  const leased = failed(t, await cli('leases', 'request', '--account', 'acme', '--ttl', '45s'), 1);
  t.is(leased, 'maskgate: no number available in the whole pool: all 1 usable numbers are leased or serve masks and sessions; try again later or add numbers\n');
  const none = failed(t, await cli('leases', 'request', '--account', 'acme', '--ttl', '2h', '--country', 'de'), 1);
  t.is(none, 'maskgate: no number available in the pool of country DE: no number matches; `maskgate numbers list` shows the pool\n');
  const real = `+${testNumber()}`;
  const mask = failed(t, await cliWithInput(`${real}\n`, 'masks', 'create', '--account', 'acme', '--number', '-', '--ttl', '1h'), 1);
  t.regex(mask, /^maskgate: no number available in the pool of country UZ: every number that can send and receive is leased/);
  neverPrinted(t, printed, [real]);
});

test.serial('bad lease input exits 2 and says what to write instead', async (t) => {
  const { cli } = await setup(1);
  const request = (...args: string[]) => cli('leases', 'request', '--account', 'acme', ...args);
  t.regex(failed(t, await request('--ttl', '5x'), 2), /--ttl takes a duration such as 45s, 30m, 2h, 7d or 1h30m, or plain milliseconds; got "5x"/);
  t.regex(failed(t, await request('--ttl', '40d'), 2), /ttl: at most 2592000000 ms \(numbers.leases.maxTtlMs\)/);
  t.regex(failed(t, await cli('leases', 'request', '--account', 'nobody', '--ttl', '1h'), 2), /account "nobody" does not exist; `maskgate accounts list` shows the accounts/);
  t.regex(failed(t, await cli('leases', 'show', 'lease-nope'), 2), /no lease "lease-nope"; `maskgate leases list` shows the leases/);
});

test.serial('a bad real number exits 2 naming its option and last digits only', async (t) => {
  const { cli, cliWithInput, printed } = await setup(2);
  const bad = '+99890123456789';
  t.is(failed(t, await cli('masks', 'create', '--account', 'acme', '--number', bad, '--ttl', '1h'), 2), 'maskgate: --number: the number ending in …789 is not a valid phone number; give + and the country code and full number, digits only\n');
  t.regex(failed(t, await cli('masks', 'create', '--account', 'acme', '--ttl', '1h'), 2), /give --number: a real number, or - to read it from standard input/);
  const a = `+${testNumber()}`;
  t.regex(failed(t, await cliWithInput(`${a}\n${bad}\n`, 'sessions', 'create', '--account', 'acme', '--party-a', '-', '--party-b', '-', '--ttl', '1h'), 2), /^maskgate: --party-b: the number ending in …789 is not a valid phone number/);
  t.regex(failed(t, await cliWithInput(`${a}\n`, 'sessions', 'create', '--account', 'acme', '--party-a', '-', '--party-b', '-', '--ttl', '1h'), 2), /expected 2 real numbers on standard input \(one per line, for --party-a, --party-b\), got 1 lines/);
  neverPrinted(t, printed, [a, bad]);
});

interface MaskJson {
  id: string;
  account: string;
  alias: string;
  number: string;
  reference: string | null;
  state: string;
  endReason: string | null;
}

test.serial('masks create (the real number on stdin or as an argument), list, show and revoke, never printing it', async (t) => {
  const { cli, cliWithInput, printed } = await setup(2);
  const [r1, r2] = [`+${testNumber()}`, `+${testNumber()}`];
  const mask = json<MaskJson>(t, await cliWithInput(`${r1}\n`, '--json', 'masks', 'create', '--account', 'acme', '--number', '-', '--ttl', '1h', '--reference', 'case-7'));
  t.like(mask, { account: 'acme', number: poolNumber(500), reference: 'case-7', state: 'active', endReason: null });
  t.regex(mask.alias, /^000\d{12}$/);
  t.deepEqual(Object.keys(mask).sort(), ['account', 'alias', 'createdAt', 'endReason', 'endedAt', 'expiresAt', 'id', 'number', 'reference', 'state']);

  const text = await cli('masks', 'create', '--account', 'acme', '--number', r2!, '--ttl', '2h');
  t.is(text.status, 0, text.stderr);
  t.regex(text.stdout, /^created mask mask-[0-9a-f]+: acme writes to 000\d{12}; the party hears from \+99871240050[01]\n/);

  t.regex(text.stdout, /\nalias      000\d{12}  \(the account sends to it and hears from it\)\nnumber     \+99871240050[01]  \(the pool number/);
  t.deepEqual(json<MaskJson>(t, await cli('--json', 'masks', 'show', mask.id)), mask);
  t.is(json<MaskJson[]>(t, await cli('--json', 'masks', 'list', '--account', 'acme')).length, 2);
  t.regex((await cli('masks', 'list')).stdout, new RegExp(`^ID +ACCOUNT +ALIAS +NUMBER +STATE +EXPIRES +REFERENCE\\n[^]*${mask.id} +acme +${mask.alias} +\\${mask.number} +active +\\S+ +case-7`));

  const revoked = json<MaskJson>(t, await cli('--json', 'masks', 'revoke', mask.id));
  t.like(revoked, { id: mask.id, state: 'ended', endReason: 'revoked' });
  neverPrinted(t, printed, [r1!, r2!]);
});

interface SessionJson {
  id: string;
  account: string;
  state: string;
  endReason: string | null;
  parties: { leg: string; alias: string; number: string }[];
}

test.serial('sessions create (both parties on stdin), list, show and close, never printing either party', async (t) => {
  const { cli, cliWithInput, printed } = await setup(2);
  const [a, b] = [`+${testNumber()}`, `+${testNumber()}`];
  const session = json<SessionJson>(t, await cliWithInput(`${a}\n${b}\n`, '--json', 'sessions', 'create', '--account', 'acme', '--party-a', '-', '--party-b', '-', '--ttl', '1h'));
  t.like(session, { account: 'acme', state: 'active', endReason: null });
  t.deepEqual(session.parties.map((p) => p.number).sort(), [poolNumber(500), poolNumber(501)]);

  const shown = await cli('sessions', 'show', session.id);
  t.regex(shown.stdout, new RegExp(`party A    texts \\${session.parties[0]!.number}  \\(alias ${session.parties[0]!.alias}, leg leg-[0-9a-f]+\\)\\nparty B    texts \\${session.parties[1]!.number}`));
  t.regex((await cli('sessions', 'list', '--active')).stdout, new RegExp(`^ID +ACCOUNT +PARTY A TEXTS +PARTY B TEXTS +STATE +EXPIRES +REFERENCE\\n${session.id} +acme +\\${session.parties[0]!.number} +\\${session.parties[1]!.number} +active `));

  const closed = await cli('sessions', 'close', session.id);
  t.regex(closed.stdout, /^closed session sess-[0-9a-f]+\n[^]*state      ended \(closed\) at /);
  t.deepEqual(json<SessionJson[]>(t, await cli('--json', 'sessions', 'list', '--active')), []);
  neverPrinted(t, printed, [a, b]);
});

test.serial('help tells how to keep real numbers out of shell history', async (t) => {
  for (const noun of ['masks', 'sessions']) {
    const help = await maskgate(noun, 'create', '--help');
    t.is(help.status, 0);
    t.regex(help.stdout, /Give - instead of a number to read it from standard input/);
    t.regex(help.stdout, /shell history/);
  }
});
