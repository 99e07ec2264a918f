/**
 * MO through the whole daemon: a simulated carrier sends a deliver_sm to one of our
 * numbers, the gateway stores it for the account owning the number (moPrefixes, longest
 * prefix), and forwards it to that account's receiver bind, now or when it binds again.
 */
import test, { type ExecutionContext } from 'ava';
import { once } from 'node:events';
import type { Pdu } from '../../src/smpp/codec.js';
import { STATUS } from '../../src/smpp/status.js';
import { CLIENT, startTestDaemon, until } from '../helpers/daemon.js';
import { bindEsme, testNumber } from '../helpers/esme.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('client-mo');
/** The aggregator owns a range; one client has a shortcode-like sub-range of it. */
const ACME = { ...CLIENT, moPrefixes: ['99871200'] };
const SHOP = { systemId: 'shop', password: 'shop-pw', moPrefixes: ['9987120077'] };
let started = 0;

/** The daemon with its seeded account owning ACME's range, and SHOP added when asked. */
async function start(t: ExecutionContext, opts: { shop?: string[] } = {}) {
  const { daemon, sim } = await startTestDaemon(t, files, { name: `mo-${started++}` });
  daemon.accounts.update(ACME.systemId, { moPrefixes: ACME.moPrefixes });
  if (opts.shop) await daemon.accounts.add(SHOP.systemId, SHOP.password, { moPrefixes: opts.shop });
  return { daemon, sim, gateway: daemon.gateway, port: daemon.listener.port };
}

const bodyOf = (pdu: Pdu) => (Buffer.isBuffer(pdu.short_message) ? pdu.short_message : Buffer.alloc(0));

test('an MO reaches the account owning its number, the longest prefix winning, as the carrier sent it', async (t) => {
  const { port, sim } = await start(t, { shop: SHOP.moPrefixes });
  const acme = await bindEsme({ port, ...ACME, mode: 'receiver' });
  const shop = await bindEsme({ port, ...SHOP, mode: 'transceiver' });
  t.teardown(() => Promise.all([acme.close(), shop.close()]));
  const subscriber = testNumber();

  sim.injectMo({ from: subscriber, to: '998712000123', text: 'Salom ACME' });
  const [toAcme] = await acme.nextDelivers(1);
  t.is(toAcme!.source_addr, subscriber);
  t.is(toAcme!.destination_addr, '998712000123');
  t.is(toAcme!.esm_class, 0, 'a plain MO, not a receipt');
  t.is(toAcme!.data_coding, 0);
  t.is(bodyOf(toAcme!).toString('latin1'), 'Salom ACME');

  sim.injectMo({ from: subscriber, to: '998712007755', text: 'Привет' });
  const [toShop] = await shop.nextDelivers(1);
  t.is(toShop!.destination_addr, '998712007755');
  t.is(toShop!.data_coding, 8, 'UCS2 kept');
  t.deepEqual(bodyOf(toShop!), Buffer.from('Привет', 'utf16le').swap16(), 'UCS2 is big-endian on the wire');
});

test('a long MO the carrier sends in parts reaches the account as one MO, the parts joined', async (t) => {
  const { port, sim } = await start(t);
  const acme = await bindEsme({ port, ...ACME, mode: 'transceiver' });
  t.teardown(() => acme.close());
  const text = 'x'.repeat(300);
  const parts = sim.injectMo({ from: testNumber(), to: '998712000001', text, concatenation: 'udh8' });
  t.true(parts > 1);
  const [whole] = await acme.nextDelivers(1);
  t.is(whole!.esm_class, 0, 'no UDHI: one message, not parts');
  t.is(whole!.data_coding, 0);
  t.deepEqual(whole!.message_payload, Buffer.from(text, 'latin1'), 'over 254 octets: message_payload');
  t.is(bodyOf(whole!).length, 0);
  // The next MO is the next deliver_sm: no part came on its own.
  sim.injectMo({ from: testNumber(), to: '998712000002', text: 'next' });
  const [next] = await acme.nextDelivers(1);
  t.is(bodyOf(next!).toString('latin1'), 'next');
});

test('MO for an account with no receiver bind wait on disk and flow, once each, when it binds', async (t) => {
  const { port, sim, gateway } = await start(t);
  const count = 5;
  for (let i = 0; i < count; i++) sim.injectMo({ from: testNumber(), to: `99871200${String(i).padStart(4, '0')}`, text: `reply ${i}` });
  // A transmitter cannot take them: they stay owed.
  const tx = await bindEsme({ port, ...ACME, mode: 'transmitter' });
  t.teardown(() => tx.close());
  await until(() => gateway.delivers.mo === count);
  t.is(gateway.mo.owedCount, count, 'stored, not delivered');
  await until(() => sim.counters.mosSent === count); // the carrier was answered: the MO are ours now

  const rx = await bindEsme({ port, ...ACME, mode: 'receiver' });
  t.teardown(() => rx.close());
  const delivered = await rx.nextDelivers(count);
  t.deepEqual(delivered.map((p) => bodyOf(p).toString('latin1')), Array.from({ length: count }, (_, i) => `reply ${i}`), 'in order');
  await until(() => gateway.mo.owedCount === 0);
  // Something sent after the backlog proves nothing of it came twice.
  sim.injectMo({ from: testNumber(), to: '998712009999', text: 'after' });
  const [after] = await rx.nextDelivers(1);
  t.is(bodyOf(after!).toString('latin1'), 'after');
});

test('an MO the client refuses is sent again after a backoff', async (t) => {
  const { port, sim, daemon } = await start(t);
  const refusing = await bindEsme({ port, ...ACME, mode: 'receiver', deliverStatus: STATUS.ESME_RX_T_APPN });
  sim.injectMo({ from: testNumber(), to: '998712000042', text: 'try again' });
  await refusing.nextDelivers(1);
  await until(() => daemon.mo.counters.failed >= 1);
  await refusing.close();
  const accepting = await bindEsme({ port, ...ACME, mode: 'receiver' });
  t.teardown(() => accepting.close());
  const [again] = await accepting.nextDelivers(1);
  t.is(bodyOf(again!).toString('latin1'), 'try again');
  await until(() => daemon.mo.counters.delivered === 1);
});

test('an MO to a number no account owns is refused to the carrier with 0x0B and stored nowhere', async (t) => {
  const { port, sim, gateway } = await start(t);
  const acme = await bindEsme({ port, ...ACME, mode: 'transceiver' });
  t.teardown(() => acme.close());
  sim.injectMo({ from: testNumber(), to: '998935550000', text: 'wrong number' });
  await until(() => gateway.delivers.moUnowned >= 1);
  t.is(gateway.mo.owedCount, 0);
  t.is(gateway.delivers.mo, 0);
  // The account still gets what is its own.
  sim.injectMo({ from: testNumber(), to: '998712000777', text: 'mine' });
  const [mine] = await acme.nextDelivers(1);
  t.is(bodyOf(mine!).toString('latin1'), 'mine');
});

test('an MO owner moves with the account: a prefix given to another account routes there from the next MO', async (t) => {
  const { port, sim, daemon } = await start(t, { shop: [] });
  const shop = await bindEsme({ port, ...SHOP, mode: 'receiver' });
  t.teardown(() => shop.close());
  t.throws(() => daemon.accounts.update('shop', { moPrefixes: ['99871200'] }), { message: /already belongs to account "acme"/ });
  daemon.accounts.update('shop', { moPrefixes: ['998712005'] });
  const listening = once(daemon.gateway.mo.events, 'added');
  sim.injectMo({ from: testNumber(), to: '998712005000', text: 'for shop' });
  t.deepEqual(await listening, ['shop']);
  const [pdu] = await shop.nextDelivers(1);
  t.is(bodyOf(pdu!).toString('latin1'), 'for shop');
});
