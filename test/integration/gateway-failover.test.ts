/**
 * The carrier side under trouble, end to end against simulated carriers: a carrier going
 * down mid-stream, a bind lost with submits in flight, throttling, a carrier that keeps
 * failing (the breaker), and the window. Nothing accepted is lost.
 */
import test from 'ava';
import { startTestGateway, carrierUp } from '../helpers/gateway.js';
import { tempFiles } from '../helpers/temp-files.js';
import { newMessage } from '../helpers/routing-store.js';

const files = tempFiles('gateway-failover');

test('a carrier going down mid-stream: its messages fail over, every one is DELIVERED', async (t) => {
  const { gateway, sims, finals } = await startTestGateway(t, files, {
    carriers: [{ name: 'alpha', behaviour: { responseLatencyMs: { min: 1, max: 5 } } }, { name: 'beta' }],
  });
  await carrierUp(gateway, 'alpha');
  await carrierUp(gateway, 'beta');
  const alpha = sims.get('alpha')!;
  const ids: string[] = [];
  for (let i = 0; i < 300; i++) {
    ids.push(await gateway.enqueue(newMessage()));
    if (i === 100) await alpha.goDown(); // mid-stream, with submits in flight
  }
  const states = await finals(ids);
  t.deepEqual([...new Set(states.values())], ['DELIVERED']);
  const viaBeta = ids.filter((id) => gateway.status(id)!.carrier === 'beta').length;
  t.true(viaBeta >= 199, `${viaBeta} went via beta`);
  t.true(alpha.counters.submitsReceived >= 1);
});

test('a bind lost with submits in flight: they are retried and DELIVERED (at-least-once)', async (t) => {
  const { gateway, sims, finals } = await startTestGateway(t, files, {
    carriers: [{ name: 'alpha', behaviour: { responseLatencyMs: { min: 200, max: 200 } } }],
  });
  await carrierUp(gateway, 'alpha');
  const alpha = sims.get('alpha')!;
  const ids = await Promise.all(Array.from({ length: 20 }, () => gateway.enqueue(newMessage())));
  while (alpha.counters.submitsReceived < 5) await new Promise((r) => setTimeout(r, 5));
  alpha.setBehaviour({ responseLatencyMs: { min: 0, max: 0 } });
  alpha.disconnectAll(); // the submits held by the latency are lost with the bind
  const states = await finals(ids);
  t.deepEqual([...new Set(states.values())], ['DELIVERED']);
  const lost = ids.flatMap((id) => gateway.status(id)!.attempts).filter((a) => a.outcome === 'lost').length;
  t.true(lost >= 1, 'some attempts were lost with the bind');
});

test('0x58 throttling: the rate backs off and everything is still sent', async (t) => {
  // Injected 0x58 rather than the simulator's rate cap: whether a cap is exceeded depends on
  // how fast this machine is, an injected answer does not.
  const { gateway, sims, finals } = await startTestGateway(t, files, {
    carriers: [{ name: 'alpha', behaviour: { errorInjection: { percent: 30, status: 0x58 } }, profile: { throughputMsgPerSec: 5_000, window: 20 } }],
  });
  await carrierUp(gateway, 'alpha');
  const ids = await Promise.all(Array.from({ length: 300 }, () => gateway.enqueue(newMessage())));
  const alpha = sims.get('alpha')!;
  const slowed = new Promise<number>((resolve) => {
    const check = () => {
      const rate = gateway.carriers.status().find((c) => c.name === 'alpha')!.rate;
      if (rate < 5_000) resolve(rate);
      else setImmediate(check);
    };
    check();
  });
  const states = await finals(ids);
  t.true((await slowed) < 5_000, 'the pacer slowed down');
  t.deepEqual([...new Set(states.values())], ['DELIVERED']);
  t.true(alpha.counters.injectedErrors > 0, 'the simulator throttled us');
  t.is(alpha.counters.submitsAccepted, 300);
  const throttledAttempts = ids.flatMap((id) => gateway.status(id)!.attempts).filter((a) => a.status === 0x58).length;
  t.is(throttledAttempts, alpha.counters.injectedErrors, 'every 0x58 was recorded and retried');
});

test('the window is respected: never more outstanding submits on a bind than configured', async (t) => {
  const { gateway, sims, finals } = await startTestGateway(t, files, {
    carriers: [{ name: 'alpha', behaviour: { responseLatencyMs: { min: 5, max: 20 } }, profile: { window: 3, binds: 2 } }],
  });
  await carrierUp(gateway, 'alpha');
  const ids = await Promise.all(Array.from({ length: 120 }, () => gateway.enqueue(newMessage())));
  await finals(ids);
  const alpha = sims.get('alpha')!;
  t.true(alpha.counters.maxOutstanding <= 3, `max outstanding ${alpha.counters.maxOutstanding}`);
  t.true(alpha.counters.maxOutstanding >= 1);
  t.is(alpha.counters.queueFull, 0);
});

test('the circuit breaker: a failing carrier is skipped and its traffic fails over at once', async (t) => {
  const { gateway, sims, finals } = await startTestGateway(t, files, {
    carriers: [{ name: 'alpha', behaviour: { errorInjection: { percent: 100, status: 0x08 } } }, { name: 'beta' }],
    gateway: { breaker: { failureThreshold: 3, openMs: 3_600_000 } },
  });
  await carrierUp(gateway, 'alpha');
  await carrierUp(gateway, 'beta');
  const ids: string[] = [];
  for (let i = 0; i < 50; i++) ids.push(await gateway.enqueue(newMessage()));
  const states = await finals(ids);
  t.deepEqual([...new Set(states.values())], ['DELIVERED']);
  t.is(gateway.dispatcher.breakerState('alpha'), 'open');
  const alpha = sims.get('alpha')!;
  // Once open, alpha sees nothing more: only the messages in flight when it opened tried it.
  t.true(alpha.counters.submitsReceived < 50, `alpha received ${alpha.counters.submitsReceived}`);
  t.is(sims.get('beta')!.counters.submitsAccepted, 50);
});
