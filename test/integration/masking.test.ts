/**
 * Masks, proxy sessions and leases through the whole daemon: a real client over SMPP, the
 * gateway, and a simulated carrier that receives our MT and sends the parties' MO.
 */
import test, { type ExecutionContext } from 'ava';
import type { Pdu } from '../../src/smpp/codec.js';
import { STATUS } from '../../src/smpp/status.js';
import { NumberPool } from '../../src/numbers/number-pool.js';
import { CLIENT, until } from '../helpers/daemon.js';
import { testNumber } from '../helpers/esme.js';
import { carrierGot, digits, poolNumbers, startPoolDaemon } from '../helpers/pool-daemon.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('masking');
let started = 0;
const HOUR = 3_600_000;

const start = (t: ExecutionContext, pool: string[]) => startPoolDaemon(t, files, { name: `masking-${started++}`, pool });
const text = (pdu: Pdu) => (Buffer.isBuffer(pdu.short_message) ? pdu.short_message.toString('latin1') : '');

test('mask round trip: MT to the alias reaches R from V; R replies to V and the account gets it from the alias', async (t) => {
  const { gateway, sim, client } = await start(t, poolNumbers(3));
  const real = testNumber();
  const mask = gateway.relays.createMask({ account: CLIENT.systemId, realNumber: `+${real}`, ttlMs: HOUR });
  t.false(JSON.stringify(mask).includes(real), 'the mask tells the account nothing of R');

  const resp = await client.submit({ source_addr: 'ACME', source_addr_ton: 5, destination_addr: mask.alias, short_message: 'your courier is here', registered_delivery: 1 });
  t.is(resp.command_status, 0);
  const sent = await carrierGot(sim, 'your courier is here');
  t.is(sent.destination_addr, real, 'the carrier got the real number');
  t.is(sent.source_addr, digits(mask.number), 'from the pool number V');

  // The receipt names the alias, never R.
  const [receipt] = await client.nextDelivers(1);
  t.is(Number(receipt!.esm_class) & 0x04, 0x04, "a receipt");
  t.is(receipt!.source_addr, mask.alias);
  t.false(JSON.stringify(receipt).includes(real));

  sim.injectMo({ from: real, to: digits(mask.number), text: 'thanks, coming down' });
  const [reply] = await client.nextDelivers(1);
  t.is(reply!.source_addr, mask.alias, 'from the alias');
  t.is(reply!.destination_addr, digits(mask.number));
  t.is(text(reply!), 'thanks, coming down');
  t.false(JSON.stringify(reply).includes(real));
});

test('two masks of one R get different V; one V serves masks of different R', async (t) => {
  const { gateway } = await start(t, poolNumbers(2, 100));
  const r1 = `+${testNumber()}`;
  const r2 = `+${testNumber()}`;
  const a = gateway.relays.createMask({ account: CLIENT.systemId, realNumber: r1, ttlMs: HOUR });
  const b = gateway.relays.createMask({ account: CLIENT.systemId, realNumber: r1, ttlMs: HOUR });
  t.not(a.number, b.number);
  const c = gateway.relays.createMask({ account: CLIENT.systemId, realNumber: r2, ttlMs: HOUR });
  t.true([a.number, b.number].includes(c.number), 'a V already serving R1 serves R2 too');
  const third = t.throws(() => gateway.relays.createMask({ account: CLIENT.systemId, realNumber: r1, ttlMs: HOUR }));
  t.regex(third!.message, /no number available/);
  t.false(third!.message.includes(r1.slice(1)), 'the refusal does not quote R');
});

test('a submit to an alias that is not the account\'s active mask is refused with 0x0B', async (t) => {
  const { gateway, client } = await start(t, poolNumbers(1, 200));
  const mask = gateway.relays.createMask({ account: CLIENT.systemId, realNumber: `+${testNumber()}`, ttlMs: HOUR });
  gateway.relays.revokeMask(mask.id);
  const revoked = await client.submit({ source_addr: 'ACME', source_addr_ton: 5, destination_addr: mask.alias, short_message: 'x' });
  t.is(revoked.command_status, STATUS.ESME_RINVDSTADR);
  const unknown = await client.submit({ source_addr: 'ACME', source_addr_ton: 5, destination_addr: '000999999999999', short_message: 'x' });
  t.is(unknown.command_status, STATUS.ESME_RINVDSTADR);
});

test('proxy session: each party texts its pool number and the other gets it from theirs, both ways', async (t) => {
  const { gateway, sim } = await start(t, poolNumbers(2, 300));
  const a = testNumber();
  const b = testNumber(Number(a.slice(-7)) + 1);
  const session = gateway.relays.createSession({ account: CLIENT.systemId, partyA: `+${a}`, partyB: `+${b}`, ttlMs: HOUR });
  const [legA, legB] = session.parties;
  t.false(JSON.stringify(session).includes(a) || JSON.stringify(session).includes(b));

  sim.injectMo({ from: a, to: digits(legA!.number), text: 'hello from A' });
  const toB = await carrierGot(sim, 'hello from A');
  t.is(toB.destination_addr, b);
  t.is(toB.source_addr, digits(legB!.number), 'B sees only its own pool number');

  sim.injectMo({ from: b, to: digits(legB!.number), text: 'hello back from B' });
  const toA = await carrierGot(sim, 'hello back from B');
  t.is(toA.destination_addr, a);
  t.is(toA.source_addr, digits(legA!.number));
  await until(() => gateway.delivers.relayed === 2);

  // Each relay is a message of its own, with its attempts and its carrier receipt.
  const deliveredRelays = gateway.db.prepare("SELECT count(*) FROM messages WHERE relay_leg IS NOT NULL AND state = 'DELIVERED'").pluck();
  await until(() => deliveredRelays.get() === 2);
  gateway.relays.closeSession(session.id);
  sim.injectMo({ from: a, to: digits(legA!.number), text: 'after close' });
  await until(() => gateway.delivers.moUnowned === 1);
});

test('MO to a leased number reaches the lessee; to a cooling or retired number it is refused', async (t) => {
  const { gateway, sim, client } = await start(t, poolNumbers(2, 400));
  const lease = gateway.leases.request({ account: CLIENT.systemId, ttlMs: HOUR, reference: 'order-17' });
  const sender = testNumber();
  sim.injectMo({ from: sender, to: digits(lease.number), text: 'code 4711' });
  const [mo] = await client.nextDelivers(1);
  t.is(mo!.destination_addr, digits(lease.number));
  t.is(mo!.source_addr, sender, 'a lease masks nobody: the lessee sees the sender');
  t.is(gateway.leases.require(lease.id).messages, 1);

  // The lessee may send from its number; nobody may send from a pool number not leased to them.
  const reply = await client.submit({ source_addr: digits(lease.number), source_addr_ton: 1, destination_addr: sender, short_message: 'reply from the lease' });
  t.is(reply.command_status, 0);
  t.is((await carrierGot(sim, 'reply from the lease')).source_addr, digits(lease.number));
  const other = poolNumbers(2, 400).find((n) => n !== lease.number)!;
  const spoof = await client.submit({ source_addr: digits(other), source_addr_ton: 1, destination_addr: sender, short_message: 'spoofed' });
  t.is(spoof.command_status, STATUS.ESME_RINVSRCADR);

  gateway.leases.release(lease.id);
  sim.injectMo({ from: sender, to: digits(lease.number), text: 'late code' });
  await until(() => gateway.delivers.moUnowned === 1);

  new NumberPool(gateway.db).change(other, 'retire');
  sim.injectMo({ from: sender, to: digits(other), text: 'to a retired number' });
  await until(() => gateway.delivers.moUnowned === 2);
  t.is(gateway.delivers.mo, 1);
});
