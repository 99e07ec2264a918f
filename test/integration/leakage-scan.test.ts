/**
 * The leakage scan (issue 7, item 1): a masked party's real number exists only sealed in the
 * contact store, and nowhere else.
 *
 * The workload runs through `maskgate start` in a child process, logging at `protocol` (the
 * most verbose level, a superset of debug: every log line there is gets its chance to leak),
 * against a simulated carrier in this process, with masks and a session made by the CLI:
 * MT to aliases with receipts and a query_sm, replies, long messages both ways (UDH parts
 * toward the party, a udh8 MO back, a long relay in the session), a proxy session both
 * ways, a watched party's MO held and released, a revoked mask, an expired mask, another
 * account's alias, and MO from parties whose mask or session ended.
 *
 * Then it looks for every real number used, as E.164 with and without '+' and as its
 * national part (last 9 digits), in: every file of the test's directory while the daemon
 * runs and after its SIGTERM (both stores with their -wal/-shm, the key file, the
 * configuration), the daemon's stdout and stderr, every CLI output, every PDU the accounts
 * received, and every value of every row of every table of both stores. Bytes are read as
 * Latin-1 and UTF-16, hex and base64 runs decoded, digit separators dropped. The
 * redaction's `…567` (the last 3 digits) is allowed.
 *
 * PDU traces print command, status and sequence number only (smpp/session.ts), never
 * addresses, so they are held to the same rule as every other line.
 *
 * The scan proves it can fail: it finds planted numbers in each spelling and encoding it
 * claims to read, the real numbers in what the carrier received, and the pool numbers (public,
 * stored in the clear) in the routing store's rows, its file and the CLI output.
 */
import test, { type ExecutionContext } from 'ava';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Pdu } from '../../src/smpp/codec.js';
import { STATUS } from '../../src/smpp/status.js';
import type { Simulator } from '../../simulators/smsc.js';
import { maskgate, maskgateWithInput } from '../helpers/cli.js';
import { CLIENT, spawnDaemon, startCarrier, until, writeDaemonConfig } from '../helpers/daemon.js';
import { bindEsme, testNumber, type TestEsme } from '../helpers/esme.js';
import { filesUnder, findNumbers, rowsOf, type Wanted } from '../helpers/leakage.js';
import { poolCsv } from '../helpers/number-books.js';
import { carrierGot, digits, poolNumbers } from '../helpers/pool-daemon.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('leakage');

// ---------------------------------------------------------------------------------------
// The scanner (test/helpers/leakage.ts) can fail

test('the scanner finds a number in every spelling and encoding it reads, and not its last 3 digits', (t) => {
  const number = testNumber(4_242_424);
  const wanted: Wanted = new Map([['R', number]]);
  const spaced = `+${number.slice(0, 3)} ${number.slice(3, 5)} ${number.slice(5, 8)}-${number.slice(8, 10)}-${number.slice(10)}`;
  const planted: Record<string, unknown> = {
    'in a log line': `{"level":"info","message":"sent","to":"${number}"}`,
    'with +': `to +${number}.`,
    'national part only': `call 0${number.slice(-9)} now`,
    'with separators': `dial ${spaced}`,
    'hex text': `blob ${Buffer.from(`+${number}`).toString('hex')}`,
    'base64 text': `blob ${Buffer.from(`{"to":"${number}"}`).toString('base64')}`,
    'bytes in a BLOB': Buffer.concat([Buffer.from([0, 1, 2, 0xff]), Buffer.from(number), Buffer.from([0])]),
    'UTF-16LE bytes': Buffer.from(`x${number}`, 'utf16le'),
    'UTF-16BE bytes': Buffer.from(`x${number}`, 'utf16le').swap16(),
    'an integer column': BigInt(number),
    'a PDU field': { destination_addr: number },
  };
  for (const [how, value] of Object.entries(planted)) t.is(findNumbers(how, value, wanted).length, 1, how);
  t.deepEqual(findNumbers('redacted', `{"to":"…${number.slice(-3)}","mid":"8429be9cd3f48ddf"}`, wanted), []);
});

// ---------------------------------------------------------------------------------------
// The workload

type Run = Awaited<ReturnType<typeof maskgate>>;

interface MaskJson {
  id: string;
  alias: string;
  number: string;
  expiresAt: number;
}

interface SessionJson {
  id: string;
  parties: { leg: string; alias: string; number: string }[];
}

/** The JSON a command printed on success. */
function json<T>(t: ExecutionContext, r: Run): T {
  t.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

/** A deliver_sm's text: message_payload when there is one, else short_message (Latin-1). */
function textOf(pdu: Pdu): string {
  const body = Buffer.isBuffer(pdu.message_payload) && pdu.message_payload.length > 0 ? pdu.message_payload : pdu.short_message;
  return Buffer.isBuffer(body) ? body.toString('latin1') : '';
}

/** Sends an MO from the carrier; resolves once the gateway answered every part 0 (it is durable). */
function moAccepted(sim: Simulator, mo: Parameters<Simulator['injectMo']>[0]): Promise<void> {
  return new Promise((resolve) => {
    let left = sim.injectMo(mo, () => {
      if (--left === 0) resolve();
    });
  });
}

/** The MT parts (UDHI set) the carrier got for `to`, once there are `count`. */
async function longMtTo(sim: Simulator, to: string, count: number) {
  const parts = () => sim.messages.list(10_000).filter((m) => m.destination_addr === to && (m.esm_class & 0x40) !== 0);
  await until(() => parts().length >= count);
  return parts();
}

const LONG_TO_PARTY = `Your order 7 is on its way. ${'The courier calls when at the door; please keep the phone at hand. '.repeat(5)}Thanks!`;
const LONG_FROM_PARTY = `Long reply: ${'the quick brown fox jumps over the lazy dog, '.repeat(9)}end`;
const LONG_IN_SESSION = `From B, at length: ${'meet at the north gate of the bazaar, near the bakery, '.repeat(6)}ok?`;

test('after a masked workload through the daemon, no real number is in any file, log, CLI output, PDU or store row', async (t) => {
  // Some twenty CLI processes, each a few seconds to start on a loaded machine; independent
  // ones run side by side, as operators' scripts would.
  t.timeout(420_000);
  // Seeds from 2,000,000 up: `start` prints an example number with seed 1234567.
  const base = 2_000_000 + Math.floor(Math.random() * 7_000_000);
  const labels = ['R1', 'R2', 'R3', 'R4', 'A', 'B', 'R7'] as const;
  const real = Object.fromEntries(labels.map((label, i) => [label, testNumber(base + i * 1_009)])) as Record<(typeof labels)[number], string>;
  const wanted: Wanted = new Map(Object.entries(real));

  const sim = await startCarrier(t);
  const file = writeDaemonConfig(files, {
    name: 'leak',
    carrierPort: sim.port,
    // A fast sweeper and release poll: their log lines are part of the workload.
    numbers: { leases: { sweepIntervalMs: 200 }, abuse: { releasePollMs: 100 } },
  });
  const daemon = await spawnDaemon(t, file, { logLevel: 'protocol' });
  const closed = once(daemon.child, 'close'); // stdout and stderr read to their end
  await daemon.whileRunning(until(() => sim.binds().some((b) => b.state.startsWith('bound'))));

  const printed: { args: string[]; run: Run }[] = [];
  const cli = async (args: string[], input?: string) => {
    const run = await (input === undefined ? maskgate('--config', file, ...args) : maskgateWithInput(input, '--config', file, ...args));
    printed.push({ args, run });
    return run;
  };
  const createMask = async (party: string, ttl = '1h') => json<MaskJson>(t, await cli(['--json', 'masks', 'create', '--account', CLIENT.systemId, '--number', '-', '--ttl', ttl], `+${party}\n`));

  // The pool, and a second account.
  const pool = poolNumbers(4, 700);
  const csv = files.write(poolCsv(pool.map((e164) => ({ e164, carrier: 'alpha' }))), 'pool.csv');
  const [imported, added] = await Promise.all([cli(['numbers', 'import', csv]), cli(['accounts', 'add', 'other', '--password-stdin'], 'other-pw\n')]);
  t.is(imported.status, 0, imported.stderr);
  t.is(added.status, 0, added.stderr);

  const received: unknown[] = []; // every PDU an account got: it must never learn a real number
  const acme = await bindEsme({ port: daemon.port, ...CLIENT, mode: 'transceiver' });
  t.teardown(() => acme.close());
  const next = async (esme: TestEsme) => {
    const [pdu] = await daemon.whileRunning(esme.nextDelivers(1));
    received.push(pdu);
    return pdu!;
  };
  const submit = async (esme: TestEsme, fields: Parameters<TestEsme['submit']>[0]) => {
    const resp = await daemon.whileRunning(esme.submit(fields));
    received.push(resp);
    return resp;
  };

  // Masks and a session, over the CLI as an operator makes them, at once; R1 twice (two
  // masks, two pool numbers).
  const [m1, m1b, m2, m3, m7, session] = await Promise.all([
    createMask(real.R1),
    createMask(real.R1),
    createMask(real.R2),
    createMask(real.R3),
    createMask(real.R7),
    cli(['--json', 'sessions', 'create', '--account', CLIENT.systemId, '--party-a', '-', '--party-b', '-', '--ttl', '1h'], `+${real.A}\n+${real.B}\n`).then((r) => json<SessionJson>(t, r)),
  ]);
  t.not(m1.number, m1b.number, 'two masks of one party use two pool numbers');

  // MT to an alias with a receipt; the account queries it.
  const mt1 = await submit(acme, { source_addr: 'ACME', source_addr_ton: 5, destination_addr: m1.alias, short_message: 'your courier is here', registered_delivery: 1 });
  t.is(mt1.command_status, STATUS.ESME_ROK);
  const sent1 = await carrierGot(sim, 'your courier is here');
  t.is(sent1.destination_addr, real.R1);
  t.is(sent1.source_addr, digits(m1.number));
  const receipt1 = await next(acme);
  t.is(receipt1.source_addr, m1.alias, 'the receipt names the alias');
  const query = await daemon.whileRunning(acme.session.request('query_sm', { message_id: mt1.message_id, source_addr: 'ACME', source_addr_ton: 5 }));
  received.push(query);
  t.is(query.command_status, STATUS.ESME_ROK);

  // The second mask of R1 carries a message too.
  t.is((await submit(acme, { source_addr: 'ACME', source_addr_ton: 5, destination_addr: m1b.alias, short_message: 'second thread', registered_delivery: 1 })).command_status, STATUS.ESME_ROK);
  t.is((await carrierGot(sim, 'second thread')).source_addr, digits(m1b.number));
  t.is((await next(acme)).source_addr, m1b.alias);

  // R1 replies to V.
  await moAccepted(sim, { from: real.R1, to: digits(m1.number), text: 'thanks, coming down' });
  const reply1 = await next(acme);
  t.is(reply1.source_addr, m1.alias);
  t.is(textOf(reply1), 'thanks, coming down');

  // Long both ways: a long MT to R2's alias (UDH parts at the carrier), a long udh8 MO back.
  const long = await submit(acme, { source_addr: 'ACME', source_addr_ton: 5, destination_addr: m2.alias, message_payload: Buffer.from(LONG_TO_PARTY, 'latin1'), registered_delivery: 1 });
  t.is(long.command_status, STATUS.ESME_ROK);
  const longParts = await longMtTo(sim, real.R2, 3);
  t.true(longParts.every((p) => p.source_addr === digits(m2.number)));
  t.is((await next(acme)).source_addr, m2.alias, 'one receipt for the long message');
  await moAccepted(sim, { from: real.R2, to: digits(m2.number), text: LONG_FROM_PARTY, concatenation: 'udh8' });
  const longReply = await next(acme);
  t.is(longReply.source_addr, m2.alias);
  t.is(textOf(longReply), LONG_FROM_PARTY, 'the parts joined');

  // A proxy session both ways, long too.
  const [legA, legB] = session.parties;
  await moAccepted(sim, { from: real.A, to: digits(legA!.number), text: 'hello B, from A' });
  const toB = await carrierGot(sim, 'hello B, from A');
  t.is(toB.destination_addr, real.B);
  t.is(toB.source_addr, digits(legB!.number));
  await moAccepted(sim, { from: real.B, to: digits(legB!.number), text: LONG_IN_SESSION, concatenation: 'udh8' });
  const toA = await longMtTo(sim, real.A, 2);
  t.true(toA.every((p) => p.source_addr === digits(legA!.number)), 'A hears from its own pool number');

  // A watched party: its reply is held, listed, released, delivered.
  t.is((await cli(['watchlist', 'add', '--number', '-', '--note', 'leak scan'], `+${real.R7}\n`)).status, 0);
  await moAccepted(sim, { from: real.R7, to: digits(m7.number), text: 'held for review' });
  t.is(json<unknown[]>(t, await cli(['--json', 'held', 'list'])).length, 1);
  t.is((await cli(['held', 'release', '--all'])).status, 0);
  const released = await next(acme);
  t.is(released.source_addr, m7.alias);
  t.is(textOf(released), 'held for review');

  // Refusals: a revoked mask, an expired mask, another account's alias, a closed session.
  const [unwatched, revoked, closedSession, m4] = await Promise.all([
    cli(['watchlist', 'remove', '--number', '-'], `+${real.R7}\n`),
    cli(['masks', 'revoke', m3.id]),
    cli(['sessions', 'close', session.id]),
    createMask(real.R4, '1s'),
  ]);
  for (const r of [unwatched, revoked, closedSession]) t.is(r.status, 0, r.stderr);
  t.is((await submit(acme, { source_addr: 'ACME', source_addr_ton: 5, destination_addr: m3.alias, short_message: 'to a revoked mask' })).command_status, STATUS.ESME_RINVDSTADR);
  await until(() => Date.now() > m4.expiresAt);
  t.is((await submit(acme, { source_addr: 'ACME', source_addr_ton: 5, destination_addr: m4.alias, short_message: 'to an expired mask' })).command_status, STATUS.ESME_RINVDSTADR);
  const other = await bindEsme({ port: daemon.port, systemId: 'other', password: 'other-pw', mode: 'transceiver' });
  t.teardown(() => other.close());
  t.is((await submit(other, { source_addr: 'OTHER', source_addr_ton: 5, destination_addr: m1.alias, short_message: 'not my alias' })).command_status, STATUS.ESME_RINVDSTADR);
  // MO from parties whose mask or session ended: refused (the carrier retries, then gives up).
  sim.injectMo({ from: real.R3, to: digits(m3.number), text: 'to my revoked mask' });
  sim.injectMo({ from: real.R4, to: digits(m4.number), text: 'to my expired mask' });
  sim.injectMo({ from: real.A, to: digits(legA!.number), text: 'after the close' });
  await daemon.whileRunning(until(() => sim.counters.deliverDropped === 3));
  // Nothing of them reached the account: the next thing it gets is R1's next reply.
  await moAccepted(sim, { from: real.R1, to: digits(m1.number), text: 'last words' });
  t.is(textOf(await next(acme)), 'last words');

  // The operator's listings.
  const listings = [['masks', 'list'], ['--json', 'sessions', 'list']];
  for (const r of await Promise.all(listings.map((args) => cli(args)))) t.is(r.status, 0, r.stderr);

  // The files as they are while the daemon runs: the stores' -wal and -shm exist only now.
  const whileRunning = filesUnder(files.dir);
  t.true(whileRunning.some((f) => f.name === 'leak.db-wal'), 'the routing store WAL was read');
  await acme.close();
  await other.close();
  daemon.child.kill('SIGTERM');
  t.deepEqual(await daemon.exited, { code: 0, signal: null });
  await closed;

  // The scan: files first (opening a store could rewrite its -wal/-shm), then rows.
  const { stdout, stderr } = daemon.output();
  t.regex(stderr, /"level":"protocol"/, 'the daemon logged at protocol level');
  t.regex(stderr, /MO refused/, 'the refusals were logged');
  const dir = readdirSync(files.dir);
  t.true(dir.includes('leak.db') && dir.includes('leak-contacts.db') && dir.includes('leak.key'), dir.join(', '));
  const everyFile = filesUnder(files.dir);
  const sources: { where: string; value: unknown }[] = [
    ...whileRunning.map((f) => ({ where: `file ${f.name} (daemon running)`, value: f.bytes })),
    ...everyFile.map((f) => ({ where: `file ${f.name}`, value: f.bytes })),
    { where: 'daemon stdout', value: stdout },
    { where: 'daemon stderr (log)', value: stderr },
    ...printed.map((p) => ({ where: `maskgate ${p.args.join(' ')}`, value: `${p.run.stdout}\n${p.run.stderr}` })),
    ...received.map((pdu, i) => ({ where: `PDU ${i} an account received`, value: pdu })),
  ];
  const routingRows = rowsOf(path.join(files.dir, 'leak.db'));
  const contactRows = rowsOf(path.join(files.dir, 'leak-contacts.db'));
  sources.push(...routingRows, ...contactRows);
  const leaks = sources.flatMap((s) => findNumbers(s.where, s.value, wanted));
  t.deepEqual(leaks, [], `real numbers found:\n${leaks.join('\n')}`);

  // Controls. The same scan finds the real numbers where they must be, in what the carrier
  // received (every party an MT or a relay was sent to) ...
  const atCarrier = findNumbers('carrier', sim.messages.list(10_000), wanted).map((hit) => /: (\w+) as/.exec(hit)![1]);
  t.deepEqual(atCarrier.sort(), ['A', 'B', 'R1', 'R2']);
  // ... and the pool numbers, which are public and stored in the clear.
  const poolWanted: Wanted = new Map(pool.map((e164, i) => [`V${i}`, digits(e164)]));
  const findsPool = (where: RegExp) => sources.filter((s) => where.test(s.where)).flatMap((s) => findNumbers(s.where, s.value, poolWanted));
  t.true(findsPool(/^leak\.db numbers /).length >= pool.length, 'pool numbers in the routing store rows');
  t.true(findsPool(/^file leak\.db$/).length >= 1, 'pool numbers in the routing store file');
  t.true(findsPool(/^maskgate .*masks create/).length >= 1, 'pool numbers in the CLI output');
  t.true(routingRows.some((r) => r.where.includes(' relay_legs ')) && contactRows.some((r) => r.where.includes(' contacts ')), 'the rows of masks and contacts were read');
});
