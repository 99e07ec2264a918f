import test, { type ExecutionContext } from 'ava';
import { ZodError } from 'zod';
import { startSimulator } from '../../simulators/smsc.js';
import { runSimulators } from '../../simulators/run.js';
import { simulatorSectionSchema } from '../../src/config/simulator-schema.js';
import { GatewayError } from '../../src/errors.js';
import { connectSession } from '../../src/smpp/client.js';
import { STATUS } from '../../src/smpp/status.js';
import { bindEsme, quietLogger, testNumber } from '../helpers/esme.js';
import { sessionOptions, whenClosed } from '../helpers/sim-session.js';

// Each test file runs in its own process, so these variables are this file's alone.
process.env.MASKGATE_TEST_SIM_TOKEN = 'control-token-for-tests';
process.env.MASKGATE_TEST_SIM_PASSWORD = 'gw-secret';
const TOKEN = 'control-token-for-tests';

// ------------------------------------------------------------ in-process control

test('goDown refuses connections and drops binds; comeBack listens on the same port', async (t) => {
  const sim = await startSimulator({ port: 0 });
  t.teardown(() => sim.close());
  const port = sim.port;
  const esme = await bindEsme({ port });
  t.teardown(() => esme.close());
  const dropped = whenClosed(esme.session);

  await sim.goDown();
  t.is((await dropped)?.reason, 'peer_closed');
  t.true(sim.behaviour.down);
  const refused = await t.throwsAsync(connectSession({ host: '127.0.0.1', port, connectTimeoutMs: 5_000, session: sessionOptions() }), { instanceOf: GatewayError });
  t.regex(refused?.message ?? '', /ECONNREFUSED/);

  await sim.comeBack();
  t.is(sim.port, port);
  t.false(sim.behaviour.down);
  const again = await bindEsme({ port });
  t.teardown(() => again.close());
  t.is((await again.submit({ destination_addr: testNumber(), short_message: Buffer.from('back') })).command_status, STATUS.ESME_ROK);
  t.is(sim.binds().length, 1);
});

test('disconnectAll drops every bind and the simulator still takes new ones', async (t) => {
  const sim = await startSimulator({ port: 0 });
  t.teardown(() => sim.close());
  const a = await bindEsme({ port: sim.port, mode: 'transmitter' });
  t.teardown(() => a.close());
  const b = await bindEsme({ port: sim.port, mode: 'receiver' });
  t.teardown(() => b.close());
  const closes = Promise.all([whenClosed(a.session), whenClosed(b.session)]);
  t.is(sim.binds().length, 2);

  sim.disconnectAll();
  t.deepEqual(sim.binds(), []);
  t.deepEqual((await closes).map((c) => c?.reason), ['peer_closed', 'peer_closed']);
  const c = await bindEsme({ port: sim.port });
  t.teardown(() => c.close());
  t.is(sim.binds().length, 1);
});

test('setBehaviour merges a valid patch, and an invalid one throws and changes nothing', async (t) => {
  const sim = await startSimulator({ port: 0, behaviour: { dlr: { delayMs: { min: 5, max: 9 } } } });
  t.teardown(() => sim.close());
  const merged = sim.setBehaviour({ dlr: { mode: 'tlv' } });
  t.is(merged.dlr.mode, 'tlv');
  t.deepEqual(merged.dlr.delayMs, { min: 5, max: 9 }, 'the rest of dlr is kept');
  const before = structuredClone(sim.behaviour);
  for (const patch of [{ window: -1 }, { dlr: { outcomes: { UNDELIV: 80, EXPIRED: 30 } } }, { responseLatencyMs: { min: 10, max: 1 } }, { nonsense: true } as never]) {
    t.throws(() => sim.setBehaviour(patch), { instanceOf: ZodError }, JSON.stringify(patch));
    t.deepEqual(sim.behaviour, before);
  }
});

// ------------------------------------------------------------ HTTP control

async function control(t: ExecutionContext) {
  const section = simulatorSectionSchema.parse({
    control: { port: 0, tokenEnv: 'MASKGATE_TEST_SIM_TOKEN' },
    instances: ['alpha', 'beta'].map((name) => ({ name, port: 0, accounts: [{ systemId: 'gw', passwordEnv: 'MASKGATE_TEST_SIM_PASSWORD' }] })),
  });
  const running = await runSimulators(section, process.cwd(), quietLogger);
  t.teardown(() => running.close());
  const url = running.control?.url;
  if (!url) throw new Error('no control endpoint was started');
  const call = async (method: string, path: string, body?: unknown, token: string | null = TOKEN) => {
    const headers: Record<string, string> = {};
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const [alpha, beta] = running.instances;
  if (!alpha || !beta) throw new Error('expected two instances');
  const esme = async () => {
    const e = await bindEsme({ port: alpha.port, systemId: 'gw', password: 'gw-secret' });
    t.teardown(() => e.close());
    return e;
  };
  return { running, call, alpha, beta, esme };
}

test('the control endpoint wants the bearer token', async (t) => {
  const { call, alpha } = await control(t);
  t.is((await call('GET', '/instances', undefined, null)).status, 401);
  t.is((await call('GET', '/instances', undefined, 'wrong')).status, 401);
  t.is((await call('GET', '/instances', undefined, TOKEN.replace(/.$/, 'X'))).status, 401);
  t.is((await call('POST', '/instances/alpha/down', undefined, null)).status, 401);
  t.false(alpha.behaviour.down, 'a refused request does nothing');
  t.is((await call('GET', '/instances')).status, 200);
});

test('GET /instances lists every instance with its port; counters count', async (t) => {
  const { call, alpha, beta, esme } = await control(t);
  const list = await call('GET', '/instances');
  t.deepEqual(list.body, [
    { name: 'alpha', port: alpha.port, tlsPort: null, down: false, binds: 0 },
    { name: 'beta', port: beta.port, tlsPort: null, down: false, binds: 0 },
  ]);
  await esme();
  const counters = await call('GET', '/instances/alpha/counters');
  t.is(counters.status, 200);
  t.like(counters.body, { connections: 1, bindsAccepted: 1, bindsRefused: 0 });
  t.is((await call('GET', '/instances/gamma/counters')).status, 404);
});

test('PATCH behaviour applies a valid patch at once and refuses an invalid one with its issues', async (t) => {
  const { call, alpha, esme } = await control(t);
  const e = await esme();
  const ok = await call('PATCH', '/instances/alpha/behaviour', { errorInjection: { percent: 100, status: 0x45 } });
  t.is(ok.status, 200);
  t.like(ok.body, { errorInjection: { percent: 100, status: 0x45 } });
  t.is((await e.submit({ destination_addr: testNumber(), short_message: Buffer.from('x') })).command_status, 0x45);

  const before = structuredClone(alpha.behaviour);
  const bad = await call('PATCH', '/instances/alpha/behaviour', { window: -1, dlr: { beforeRespPercent: 101 } });
  t.is(bad.status, 400);
  const issues = (bad.body as { issues: { path: string; message: string }[] }).issues;
  t.deepEqual(issues.map((i) => i.path).sort(), ['dlr.beforeRespPercent', 'window']);
  t.true(issues.every((i) => i.message.length > 0));
  t.deepEqual(alpha.behaviour, before);
});

test('POST mo reaches the bound ESME; GET messages shows what was submitted', async (t) => {
  const { call, esme } = await control(t);
  const e = await esme();
  const from = testNumber();
  const to = testNumber();
  const mo = await call('POST', '/instances/alpha/mo', { from, to, text: 'ping from HTTP' });
  t.deepEqual(mo, { status: 200, body: { parts: 1 } });
  const [deliver] = await e.nextDelivers(1);
  t.is(deliver?.source_addr, from);
  t.is((deliver?.short_message as Buffer).toString('ascii'), 'ping from HTTP');
  t.is((await call('POST', '/instances/alpha/mo', { from: 'not a number', to, text: 'x' })).status, 400);

  const dest = testNumber();
  await e.submit({ source_addr: 'ACME', destination_addr: dest, data_coding: 8, short_message: Buffer.from('0041', 'hex') });
  const messages = await call('GET', '/instances/alpha/messages');
  t.is(messages.status, 200);
  t.like((messages.body as unknown[])[0], { destination_addr: dest, source_addr: 'ACME', data_coding: 8, short_message_hex: '0041', systemId: 'gw' });
});

test('POST down drops binds and refuses connections; POST up brings it back on the same port', async (t) => {
  const { call, alpha, esme } = await control(t);
  const port = alpha.port;
  const e = await esme();
  const dropped = whenClosed(e.session);
  t.deepEqual(await call('POST', '/instances/alpha/down'), { status: 200, body: { down: true } });
  t.is((await dropped)?.reason, 'peer_closed');
  await t.throwsAsync(connectSession({ host: '127.0.0.1', port, connectTimeoutMs: 5_000, session: sessionOptions() }), { message: /ECONNREFUSED/ });
  t.like((await call('GET', '/instances')).body, [{ name: 'alpha', down: true }, { name: 'beta', down: false }]);

  t.deepEqual(await call('POST', '/instances/alpha/up'), { status: 200, body: { down: false } });
  t.is(alpha.port, port);
  const back = await esme();
  t.is(back.session.state, 'bound_trx');
});
