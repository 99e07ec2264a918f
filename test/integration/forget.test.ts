/**
 * `maskgate forget` beside a running daemon: a party R with two masks, a mask of another
 * account, and a proxy session with B, has texted through all of them (a reply delivered, an
 * MO waiting for a client that is not bound, a part of a long MO waiting for its sibling, an
 * MO held because R is watched, a message relayed to B, an MT to R queued while the carrier
 * is down). After forget, neither store file nor its WAL holds R's number in any spelling or
 * encoding, nor R's blind index; R's masks and session are ended and what R wrote is gone;
 * the queued MT is never sent; another party's mask works as before.
 */
import test from 'ava';
import { STATUS } from '../../src/smpp/status.js';
import { Watchlist } from '../../src/numbers/watchlist.js';
import { isPurged } from '../../src/messages/purged-content.js';
import type { ForgetReport } from '../../src/numbers/forget.js';
import { openContactStore } from '../../src/store/contact-store.js';
import { maskgateWithInput } from '../helpers/cli.js';
import { CLIENT, until } from '../helpers/daemon.js';
import { testNumber } from '../helpers/esme.js';
import { filesUnder, findNumbers, findTexts, rowsOf, type Wanted } from '../helpers/leakage.js';
import { carrierGot, digits, poolNumbers, startPoolDaemon } from '../helpers/pool-daemon.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('forget');
const HOUR = 3_600_000;

/** A first part of two (UDH, 8-bit reference) of a long MO, as a carrier sends it. */
const firstPart = (text: string) => Buffer.concat([Buffer.from([0x05, 0x00, 0x03, 0x5a, 0x02, 0x01]), Buffer.from(text, 'latin1')]);

test('after forget, neither store nor its WAL holds the number or its blind index; its masks and session ended, another party untouched', async (t) => {
  t.timeout(240_000);
  const base = 3_000_000 + Math.floor(Math.random() * 6_000_000);
  const [r, b, o] = [testNumber(base), testNumber(base + 1_013), testNumber(base + 2_029)];
  const { daemon, gateway, sim, client, config, file } = await startPoolDaemon(t, files, { name: 'forget', pool: poolNumbers(6, 900) });
  await daemon.accounts.add('other', 'other-pw'); // never bound: its MO wait in client_mo

  const m1 = gateway.relays.createMask({ account: CLIENT.systemId, realNumber: `+${r}`, ttlMs: HOUR });
  const m2 = gateway.relays.createMask({ account: CLIENT.systemId, realNumber: `+${r}`, ttlMs: HOUR });
  const mOther = gateway.relays.createMask({ account: 'other', realNumber: `+${r}`, ttlMs: HOUR });
  const session = gateway.relays.createSession({ account: CLIENT.systemId, partyA: `+${r}`, partyB: `+${b}`, ttlMs: HOUR });
  const mO = gateway.relays.createMask({ account: CLIENT.systemId, realNumber: `+${o}`, ttlMs: HOUR });
  const [legR, legB] = session.parties;
  const mo = (to: string, text: string, extra: Record<string, unknown> = {}) =>
    sim.injectMoPdu({ source_addr_ton: 1, source_addr_npi: 1, source_addr: r, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: digits(to), short_message: Buffer.from(text, 'latin1'), ...extra });

  // An MT to R and R's reply, delivered.
  t.is((await client.submit({ source_addr: 'ACME', source_addr_ton: 5, destination_addr: m1.alias, short_message: 'courier at the door' })).command_status, STATUS.ESME_ROK);
  t.is((await carrierGot(sim, 'courier at the door')).destination_addr, r);
  await mo(m1.number, 'coming down');
  t.is((await client.nextDelivers(1))[0]!.source_addr, m1.alias);
  // R in the session: relayed to B, a message of its own.
  await mo(legR!.number, 'see you at the gate');
  t.is((await carrierGot(sim, 'see you at the gate')).destination_addr, b);
  // Waiting: an MO to an account not bound, half a long MO.
  await mo(mOther.number, 'for the other account');
  await mo(m1.number, 'the first half of a long reply', { esm_class: 0x40, short_message: firstPart('the first half of a long reply') });
  // Held: R is watched.
  new Watchlist(gateway.db).add(gateway.relays.partyIndexOf(`+${r}`), undefined);
  await mo(m2.number, 'held for review');
  // Queued: an MT to R while the carrier is down.
  await sim.goDown();
  await until(() => !gateway.carriers.isAvailable('alpha'));
  const queued = await client.submit({ source_addr: 'ACME', source_addr_ton: 5, destination_addr: m2.alias, short_message: 'queued for R', registered_delivery: 1 });
  t.is(queued.command_status, STATUS.ESME_ROK);

  const count = (sql: string) => gateway.db.prepare(sql).pluck().get() as number;
  t.deepEqual([count('SELECT count(*) FROM client_mo'), count('SELECT count(*) FROM mo_parts'), count('SELECT count(*) FROM held_mo')], [1, 1, 1], 'the workload left what R wrote waiting');

  // R's blind index, and the proof that the scan finds it where it is now.
  const opened = openContactStore(config);
  const { index } = opened.contacts.find(`+${r}`);
  opened.db.close();
  const indexWanted = new Map([['blind index of R', index]]);
  const routingFile = config.stores.routing.path;
  const contactsFile = config.stores.contacts.path;
  t.true(rowsOf(routingFile).some((row) => findTexts(row.where, row.value, indexWanted).length > 0), 'the scan finds the blind index in the routing store before forget');
  t.true(rowsOf(contactsFile).some((row) => findTexts(row.where, row.value, indexWanted).length > 0), 'and in the contact store');

  const run = await maskgateWithInput(`+${r}\n`, '--config', file, '--json', 'forget');
  t.is(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as ForgetReport & { walsEmptied: boolean };
  t.like(report, { contact: true, masksEnded: 3, sessionsEnded: 1, legs: 5, messagesPurged: 3, moDeleted: 1, heldMoDeleted: 1, moPartsDeleted: 1, webhooksDeleted: 0, watchlist: true, walsEmptied: true });

  // Masks and session ended; what R wrote is gone; messages to R's legs keep their records only.
  for (const id of [m1.id, m2.id, mOther.id]) t.like(gateway.relays.getMask(id), { endReason: 'forgotten' });
  t.like(gateway.relays.getSession(session.id), { endReason: 'forgotten' });
  t.like(gateway.relays.leg(legB!.leg), { endReason: 'forgotten' }, "B's leg ended with the session");
  t.like(gateway.relays.getMask(mO.id), { endedAt: null }, "another party's mask is untouched");
  t.deepEqual([count('SELECT count(*) FROM client_mo'), count('SELECT count(*) FROM mo_parts'), count('SELECT count(*) FROM held_mo'), count('SELECT count(*) FROM watchlist')], [0, 0, 0, 0]);
  const contents = gateway.db.prepare<[], Buffer>('SELECT content FROM messages WHERE relay_leg IS NOT NULL').pluck().all();
  t.is(contents.filter(isPurged).length, 3);

  // The queued MT is ended when the carrier is back, never sent; its client gets its receipt.
  await sim.comeBack();
  await until(() => gateway.status(queued.message_id as string)?.state === 'UNDELIVERABLE');
  const [receipt] = await client.nextDelivers(1);
  t.is(receipt!.receipted_message_id, queued.message_id);
  t.false(sim.messages.list(10_000).some((m) => m.short_message_hex === Buffer.from('queued for R', 'latin1').toString('hex')), 'never sent');

  // The other party's mask still works.
  t.is((await client.submit({ source_addr: 'ACME', source_addr_ton: 5, destination_addr: mO.alias, short_message: 'for O after the forget' })).command_status, STATUS.ESME_ROK);
  t.is((await carrierGot(sim, 'for O after the forget')).destination_addr, o);

  // The scan: files (stores, their -wal and -shm) while the daemon runs, every row of both
  // stores, and what the command printed; then the files again once the daemon stopped.
  const wanted: Wanted = new Map([['R', r]]);
  const scan = () => {
    const sources = [...filesUnder(files.dir).map((f) => ({ where: `file ${f.name}`, value: f.bytes })), ...rowsOf(routingFile), ...rowsOf(contactsFile)];
    return sources.flatMap((s) => [...findNumbers(s.where, s.value, wanted), ...findTexts(s.where, s.value, indexWanted)]);
  };
  t.true(filesUnder(files.dir).some((f) => f.name.endsWith('forget.db-wal')), 'the routing store WAL was scanned');
  t.deepEqual(scan(), [], 'no trace while the daemon runs');
  t.deepEqual([...findNumbers('forget output', `${run.stdout}\n${run.stderr}`, wanted), ...findTexts('forget output', run.stdout, indexWanted)], []);
  const audit = gateway.audit.list({ action: 'number.forgotten' });
  t.is(audit.length, 1);
  t.like(audit[0]!.detail, { masksEnded: 3, sessionsEnded: 1 });
  await daemon.stop();
  t.deepEqual(scan(), [], 'no trace after the daemon stopped');
});
