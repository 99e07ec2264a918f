/**
 * Receipt matching and final states, end to end: receipts before their submit_sm_resp, hex
 * and decimal carrier ids, permanent errors, and validity expiry.
 */
import test from 'ava';
import { startTestGateway, carrierUp } from '../helpers/gateway.js';
import { tempFiles } from '../helpers/temp-files.js';
import { newMessage } from '../helpers/routing-store.js';

const files = tempFiles('gateway-receipts');

test('a receipt that arrives before its submit_sm_resp is matched all the same', async (t) => {
  const { gateway, sims, finals } = await startTestGateway(t, files, { carriers: [{ name: 'alpha', behaviour: { dlr: { beforeRespPercent: 100 } } }] });
  await carrierUp(gateway, 'alpha');
  const ids = await Promise.all(Array.from({ length: 50 }, () => gateway.enqueue(newMessage())));
  const states = await finals(ids);
  t.deepEqual([...new Set(states.values())], ['DELIVERED']);
  t.is(sims.get('alpha')!.counters.dlrsQueued, 50);
  t.true(gateway.delivers.held > 0, 'receipts were held until their resp came');
});

for (const format of ['hex', 'decimal'] as const) {
  test(`carrier ids in ${format}: receipts find their messages, failures included`, async (t) => {
    const { gateway, finals } = await startTestGateway(t, files, {
      carriers: [{ name: 'alpha', behaviour: { messageIdFormat: format, dlr: { rules: [{ destinationPrefix: '9989099', stat: 'UNDELIV', err: 1 }] } }, profile: { dlrIdFormat: format } }],
    });
    await carrierUp(gateway, 'alpha');
    // Fixed numbers: a random one would match the failing rule's prefix one time in a hundred.
    const succeeding = newMessage();
    succeeding.content.destinationAddr = '998901000001';
    const ok = await gateway.enqueue(succeeding);
    const failing = newMessage();
    failing.content.destinationAddr = '998909912345';
    const bad = await gateway.enqueue(failing);
    const states = await finals([ok, bad]);
    t.is(states.get(ok), 'DELIVERED');
    t.is(states.get(bad), 'UNDELIVERABLE');
    t.is(gateway.status(bad)!.errorCode, 1);
    t.regex(String(gateway.status(ok)!.attempts[0]!.status), /^0$/);
  });
}

test('a permanent error fails the message at once, with no retry, and owes the client a receipt', async (t) => {
  const { gateway, sims, finals } = await startTestGateway(t, files, {
    carriers: [{ name: 'alpha', behaviour: { errorInjection: { percent: 100, status: 0x0b } } }, { name: 'beta' }],
  });
  await carrierUp(gateway, 'alpha');
  const id = await gateway.enqueue(newMessage({ registeredDelivery: 1 }));
  const states = await finals([id]);
  t.is(states.get(id), 'REJECTED');
  const status = gateway.status(id)!;
  t.is(status.errorCode, 0x0b);
  t.deepEqual(status.attempts.map((a) => [a.carrier, a.outcome, a.status]), [['alpha', 'rejected', 0x0b]]);
  t.is(sims.get('beta')!.counters.submitsReceived, 0, 'no failover for a permanent error');
});

test('a message past its validity is EXPIRED and never sent', async (t) => {
  const { gateway, sims, finals } = await startTestGateway(t, files, { carriers: [{ name: 'alpha' }] });
  await carrierUp(gateway, 'alpha');
  const id = await gateway.enqueue(newMessage({ validUntil: Date.now() - 1 }));
  const states = await finals([id]);
  t.is(states.get(id), 'EXPIRED');
  t.is(sims.get('alpha')!.counters.submitsReceived, 0);
});

test('a message whose validity ends while its carrier is down expires instead of waiting forever', async (t) => {
  const { gateway, sims, finals } = await startTestGateway(t, files, {
    carriers: [{ name: 'alpha' }, { name: 'beta' }],
    routes: [{ name: 'alpha-only', failover: ['alpha'] }],
  });
  await carrierUp(gateway, 'alpha');
  await sims.get('alpha')!.goDown();
  // beta is up, so the dispatcher keeps running; but this message's route only has alpha.
  const id = await gateway.enqueue(newMessage({ validUntil: Date.now() + 300 }));
  const states = await finals([id]);
  t.is(states.get(id), 'EXPIRED');
});
