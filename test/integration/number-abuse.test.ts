/**
 * Abuse controls on pool numbers through the whole daemon: the per-number MO rate, the
 * auto-quarantine of a number hearing from too many senders, and the watchlist whose MO are
 * held until an operator releases them (with the CLI, on the running daemon's stores).
 */
import test from 'ava';
import { HeldMo } from '../../src/messages/held-mo.js';
import { NumberPool } from '../../src/numbers/number-pool.js';
import { CLIENT, until } from '../helpers/daemon.js';
import { testNumber } from '../helpers/esme.js';
import { maskgateWithInput } from '../helpers/cli.js';
import { digits, poolNumbers, startPoolDaemon } from '../helpers/pool-daemon.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('number-abuse');
const HOUR = 3_600_000;
let started = 0;

test('a number over its MO rate answers 0x58, and the carrier delivers the MO later', async (t) => {
  // One MO per 10 s at most: of five sent at once, at least three find the bucket empty.
  const { gateway, sim, client } = await startPoolDaemon(t, files, { name: `abuse-${started++}`, pool: poolNumbers(1, 500), numbers: { abuse: { moPerNumberPerSecond: 0.1 } } });
  const lease = gateway.leases.request({ account: CLIENT.systemId, ttlMs: HOUR });
  for (let i = 0; i < 5; i++) sim.injectMo({ from: testNumber(), to: digits(lease.number), text: `flood ${i}` });
  await until(() => gateway.abuse.counters.throttled >= 1);
  await until(() => sim.counters.deliverRetried >= 1); // the carrier keeps it and tries again
  const [first] = await client.nextDelivers(1);
  t.is(first!.destination_addr, digits(lease.number));
});

test('a number hearing from more distinct senders than allowed is quarantined and refuses', async (t) => {
  const { gateway, sim, client } = await startPoolDaemon(t, files, { name: `abuse-${started++}`, pool: poolNumbers(1, 600), numbers: { abuse: { distinctSenders: { max: 3, windowMs: HOUR } } } });
  const lease = gateway.leases.request({ account: CLIENT.systemId, ttlMs: HOUR });
  const senders = Array.from({ length: 5 }, (_, i) => testNumber(1_000_000 + i));
  for (const sender of senders.slice(0, 3)) sim.injectMo({ from: sender, to: digits(lease.number), text: 'hello' });
  await client.nextDelivers(3);
  // The same senders again do not count twice.
  sim.injectMo({ from: senders[0]!, to: digits(lease.number), text: 'again' });
  await client.nextDelivers(1);
  t.is(new NumberPool(gateway.db).require(lease.number).state, 'leased');

  sim.injectMo({ from: senders[3]!, to: digits(lease.number), text: 'a fourth stranger' });
  await until(() => gateway.delivers.moUnowned === 1);
  t.is(gateway.abuse.counters.quarantined, 1);
  t.is(new NumberPool(gateway.db).require(lease.number).state, 'quarantined');
  sim.injectMo({ from: senders[0]!, to: digits(lease.number), text: 'refused now' });
  await until(() => gateway.delivers.moUnowned === 2);
  t.is(gateway.delivers.mo, 4);
});

test('a watched sender\'s MO are held until an operator releases them with the CLI', async (t) => {
  const { gateway, sim, client, file } = await startPoolDaemon(t, files, { name: `abuse-${started++}`, pool: poolNumbers(1, 700), numbers: { abuse: { releasePollMs: 50 } } });
  const lease = gateway.leases.request({ account: CLIENT.systemId, ttlMs: HOUR });
  const watched = testNumber();
  // Asynchronous: the daemon runs in this process and must keep serving while the CLI runs.
  const cli = (args: string[], input = '') => maskgateWithInput(input, '--config', file, ...args);

  const added = await cli(['watchlist', 'add', '--number', '-', '--note', 'reported for spam'], `+${watched}\n`);
  t.is(added.status, 0, added.stderr);
  t.regex(added.stdout, /^watching sender [0-9a-f]{12}$/m);
  t.false(added.stdout.includes(watched), 'the CLI does not echo the number');
  const listed = await cli(['--json', 'watchlist', 'list']);
  t.is((JSON.parse(listed.stdout) as { note: string }[])[0]!.note, 'reported for spam');

  sim.injectMo({ from: watched, to: digits(lease.number), text: 'buy now' });
  await until(() => gateway.delivers.moHeld === 1);
  // Another sender's MO is delivered; the held one is not, so it is the first to arrive.
  sim.injectMo({ from: testNumber(), to: digits(lease.number), text: 'a real code' });
  const [real] = await client.nextDelivers(1);
  t.is(Buffer.from(real!.short_message as Buffer).toString('latin1'), 'a real code');

  const held = JSON.parse((await cli(['--json', 'held', 'list'])).stdout) as { id: string; recipient: string; reason: string }[];
  t.is(held.length, 1);
  t.like(held[0], { recipient: CLIENT.systemId, reason: 'watchlist' });
  t.is((await cli(['held', 'release'])).status, 2, 'neither an id nor --all');
  const released = await cli(['held', 'release', held[0]!.id]);
  t.is(released.status, 0, released.stderr);
  // Delivery is at-least-once: a deliver_sm answered late may come twice; skip repeats.
  let late = '';
  while (late !== 'buy now') {
    const [next] = await client.nextDelivers(1);
    late = Buffer.from(next!.short_message as Buffer).toString('latin1');
    t.true(late === 'buy now' || late === 'a real code', late);
  }
  await until(() => new HeldMo({ db: gateway.db }).list().length === 0);
  t.is((await cli(['held', 'drop', held[0]!.id])).status, 2, 'passed on: nothing left to drop');
  t.is((await cli(['watchlist', 'remove', '--number', `+${watched}`])).status, 0);
  t.is((await cli(['watchlist', 'remove', '--number', `+${watched}`])).status, 2, 'not watched any more');
});
