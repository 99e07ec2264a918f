import test from 'ava';
import { startTestGateway, carrierUp } from '../helpers/gateway.js';
import { tempFiles } from '../helpers/temp-files.js';
import { newMessage } from '../helpers/routing-store.js';

const files = tempFiles('gateway-delivery');

test('accepted messages reach the carrier and every receipt is matched: DELIVERED', async (t) => {
  const { gateway, sims, finals } = await startTestGateway(t, files, { carriers: [{ name: 'alpha' }] });
  await carrierUp(gateway, 'alpha');
  const ids = await Promise.all(Array.from({ length: 100 }, () => gateway.enqueue(newMessage())));
  const states = await finals(ids);
  t.deepEqual([...new Set(states.values())], ['DELIVERED']);
  t.is(sims.get('alpha')!.counters.submitsAccepted, 100);
});
