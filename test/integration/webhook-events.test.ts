/**
 * What the webhook events say, through the whole daemon with a pool of numbers: MO to a
 * lease and a masked party's reply (`mo`), a session's relay (`session.relayed`), a receipt
 * (`dlr`), and leases, masks and sessions ending at their TTL (`*.expired`, also audited).
 * A masked party's number must appear in no event, nor a session party's.
 */
import test from 'ava';
import { CLIENT } from '../helpers/daemon.js';
import { testNumber } from '../helpers/esme.js';
import { digits, poolNumbers, startPoolDaemon } from '../helpers/pool-daemon.js';
import { tempFiles } from '../helpers/temp-files.js';
import { setWebhook, startEndpoint, type ReceivedHook } from '../helpers/webhook-endpoint.js';

const files = tempFiles('webhook-events');
const FAST = { pollMs: 20, retryBaseMs: 50, retryMaxMs: 200 };
const HOUR = 3_600_000;
let started = 0;

const start = (t: Parameters<typeof startPoolDaemon>[0], pool: string[], numbers?: Record<string, unknown>) =>
  startPoolDaemon(t, files, { name: `events-${started++}`, pool, webhooks: FAST, ...(numbers ? { numbers } : {}) });

/** Everything a receiver saw: raw bodies and headers. */
const everything = (hooks: ReceivedHook[]) => JSON.stringify(hooks.map((h) => [h.headers, h.raw]));

test("MO to a lease and a masked party's reply are mo events; the reply comes from the alias and the real number is nowhere", async (t) => {
  const endpoint = await startEndpoint(t);
  const { gateway, sim, config } = await start(t, poolNumbers(3, 500));
  setWebhook(config, CLIENT.systemId, endpoint.url, ['mo']);

  const lease = gateway.leases.request({ account: CLIENT.systemId, ttlMs: HOUR, reference: 'order-17' });
  const sender = testNumber();
  sim.injectMo({ from: sender, to: digits(lease.number), text: 'code 4711' });
  const leased = await endpoint.waitFor((h) => h.body.type === 'mo' && h.body.data.lease_id === lease.id);
  t.is(leased.body.account, CLIENT.systemId);
  t.like(leased.body.data, { from: sender, to: digits(lease.number), text: 'code 4711', mask_id: null });
  t.regex(String(leased.body.data.message_id), /^[0-9a-f]{16}$/);

  const real = testNumber(Number(sender.slice(-7)) + 1);
  const mask = gateway.relays.createMask({ account: CLIENT.systemId, realNumber: `+${real}`, ttlMs: HOUR });
  sim.injectMo({ from: real, to: digits(mask.number), text: 'thanks, coming down' });
  const reply = await endpoint.waitFor((h) => h.body.type === 'mo' && h.body.data.mask_id === mask.id);
  t.like(reply.body.data, { from: mask.alias, to: digits(mask.number), text: 'thanks, coming down', lease_id: null });
  t.false(everything(endpoint.received).includes(real.slice(-7)), "no event holds the masked party's number");
});

test("a session's relay is a session.relayed event without numbers or text, and the relayed message's dlr follows", async (t) => {
  const endpoint = await startEndpoint(t);
  const { gateway, sim, config } = await start(t, poolNumbers(2, 600));
  setWebhook(config, CLIENT.systemId, endpoint.url, ['session.relayed', 'dlr']);
  const a = testNumber();
  const b = testNumber(Number(a.slice(-7)) + 1);
  const session = gateway.relays.createSession({ account: CLIENT.systemId, partyA: `+${a}`, partyB: `+${b}`, ttlMs: HOUR, reference: 'ride-9' });
  const [legA, legB] = session.parties;

  sim.injectMo({ from: a, to: digits(legA!.number), text: 'hello from A' });
  const relayed = await endpoint.waitFor((h) => h.body.type === 'session.relayed');
  t.like(relayed.body.data, { session_id: session.id, from_leg: legA!.leg, from_alias: legA!.alias, to_leg: legB!.leg, to_alias: legB!.alias });
  const dlr = await endpoint.waitFor((h) => h.body.type === 'dlr' && h.body.data.message_id === relayed.body.data.message_id);
  t.like(dlr.body.data, { state: 'DELIVERED', error_code: 0 });
  const seen = everything(endpoint.received);
  t.false(seen.includes(a.slice(-7)) || seen.includes(b.slice(-7)), "no event holds a party's number");
  t.false(seen.includes('hello from A'), 'nor what they wrote');
});

test('a receipt for a submitted message is a dlr event with our message id', async (t) => {
  const endpoint = await startEndpoint(t);
  const { client, config } = await start(t, poolNumbers(1, 700));
  setWebhook(config, CLIENT.systemId, endpoint.url, ['dlr']);
  const resp = await client.submit({ source_addr: 'ACME', source_addr_ton: 5, destination_addr: testNumber(), short_message: 'your order shipped', registered_delivery: 1 });
  t.is(resp.command_status, 0);
  const hook = await endpoint.waitFor((h) => h.body.type === 'dlr');
  t.like(hook.body, { account: CLIENT.systemId, data: { message_id: resp.message_id, state: 'DELIVERED', error_code: 0 } });
  t.false(Number.isNaN(Date.parse(String(hook.body.data.done_at))));
  const [receipt] = await client.nextDelivers(1);
  t.is(receipt!.receipted_message_id, resp.message_id, 'the SMPP receipt comes too');
});

test('leases, masks and sessions ending at their TTL are *.expired events, and audited', async (t) => {
  const endpoint = await startEndpoint(t);
  const { gateway, config } = await start(t, poolNumbers(4, 800), { leases: { sweepIntervalMs: 50 } });
  setWebhook(config, CLIENT.systemId, endpoint.url, ['lease.expired', 'mask.expired', 'session.expired']);
  const ttlMs = 1_000;
  const lease = gateway.leases.request({ account: CLIENT.systemId, ttlMs, reference: 'otp-1' });
  const real = testNumber();
  const mask = gateway.relays.createMask({ account: CLIENT.systemId, realNumber: `+${real}`, ttlMs, reference: 'courier-2' });
  const session = gateway.relays.createSession({ account: CLIENT.systemId, partyA: `+${testNumber(1)}`, partyB: `+${testNumber(2)}`, ttlMs });

  const leaseEnd = await endpoint.waitFor((h) => h.body.type === 'lease.expired');
  t.like(leaseEnd.body.data, { lease_id: lease.id, reference: 'otp-1', pool_number: lease.number, expires_at: new Date(lease.expiresAt).toISOString() });
  t.true(Date.parse(String(leaseEnd.body.data.ended_at)) >= lease.expiresAt);
  const maskEnd = await endpoint.waitFor((h) => h.body.type === 'mask.expired');
  t.like(maskEnd.body.data, { mask_id: mask.id, reference: 'courier-2', alias: mask.alias, pool_number: mask.number });
  const sessionEnd = await endpoint.waitFor((h) => h.body.type === 'session.expired');
  t.like(sessionEnd.body.data, { session_id: session.id, reference: null });
  t.deepEqual(sessionEnd.body.data.parties, session.parties.map((p) => ({ leg: p.leg, alias: p.alias, pool_number: p.number })));
  t.is(endpoint.received.filter((h) => h.body.type === 'session.expired').length, 1, 'one event per session, not per party');
  t.false(everything(endpoint.received).includes(real.slice(-7)));

  const audited = (action: string, subject: string) => gateway.audit.list({ action }).find((row) => row.subject === subject);
  t.like(audited('lease.expired', lease.id), { actor: 'daemon', detail: { account: CLIENT.systemId, poolNumber: lease.number } });
  t.like(audited('mask.expired', mask.id), { actor: 'daemon', detail: { account: CLIENT.systemId, poolNumber: mask.number } });
  t.like(audited('session.expired', session.id), { actor: 'daemon', detail: { account: CLIENT.systemId } });
});
