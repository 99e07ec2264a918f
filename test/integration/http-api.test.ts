/**
 * The HTTP API over a real socket, on a real daemon (stores, simulator, SMPP listener):
 * every route with each role (allowed, 401, 403, another account's data 404), the admin's
 * second factor, bad requests, the OpenAPI document against the routes, /metrics, and the
 * probes.
 */
import test, { type ExecutionContext } from 'ava';
import https from 'node:https';
import path from 'node:path';
import { TOTP } from 'otpauth';
import { validate } from '@readme/openapi-parser';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { ApiTokens, type ApiRole } from '../../src/accounts/api-tokens.js';
import { createCertificateAuthority, issueServerCertificate, writeTlsMaterial } from '../../src/keys/tls-material.js';
import { CLIENT } from '../helpers/daemon.js';
import { poolNumbers, startPoolDaemon } from '../helpers/pool-daemon.js';
import { testNumber } from '../helpers/esme.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('http-api');

interface Api {
  base: string;
  tokens: Record<ApiRole | 'otherClient', string>;
  totp: TOTP;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers of many shapes, checked field by field
  call(method: string, path: string, opts?: { token?: string; body?: unknown; raw?: string; totp?: string | null; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string; headers: Headers }>;
}

async function startApi(t: ExecutionContext, name: string, http: Record<string, unknown> = {}) {
  const started = await startPoolDaemon(t, files, { name, pool: poolNumbers(6), http: { host: '127.0.0.1', port: 0, ...http } });
  const { daemon } = started;
  await daemon.accounts.add('other', 'otherpw');
  const book = new ApiTokens(daemon.gateway.db, daemon.gateway.bodyKeys);
  const admin = book.create({ name: 'root', role: 'admin' });
  const totp = new TOTP({ secret: admin.totp!.secret, digits: 6, period: 30, algorithm: 'SHA1' });
  const tokens = {
    admin: admin.secret,
    operator: book.create({ name: 'ops', role: 'operator' }).secret,
    client: book.create({ name: 'app', role: 'client', account: CLIENT.systemId }).secret,
    otherClient: book.create({ name: 'other-app', role: 'client', account: 'other' }).secret,
    auditor: book.create({ name: 'audit', role: 'auditor' }).secret,
  };
  const base = `http://127.0.0.1:${daemon.http!.port}`;
  const api: Api = {
    base,
    tokens,
    totp,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.token === tokens.admin && opts.totp !== null) headers['x-maskgate-totp'] = opts.totp ?? totp.generate();
      let body: string | undefined = opts.raw;
      if (opts.body !== undefined) body = JSON.stringify(opts.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.status, body: parsed, text, headers: res.headers };
    },
  };
  return { ...started, api };
}

test('health probes answer without a token; readyz says ready once a carrier bind is up', async (t) => {
  const { api } = await startApi(t, 'probes');
  const health = await api.call('GET', '/healthz');
  t.is(health.status, 200);
  t.deepEqual(health.body, { status: 'ok' });
  const ready = await api.call('GET', '/readyz');
  t.is(ready.status, 200);
  t.deepEqual(ready.body, { ready: true, checks: { stores: true, carrierBindUp: true } });
});

test('readyz is 503 when no carrier bind is up', async (t) => {
  const { api, sim, daemon } = await startApi(t, 'unready');
  await sim.close();
  while (daemon.gateway.carriers.status().some((c) => c.binds.some((b) => b.state === 'bound'))) await new Promise((r) => setTimeout(r, 20));
  const ready = await api.call('GET', '/readyz');
  t.is(ready.status, 503);
  t.false(ready.body.ready);
  t.false(ready.body.checks.carrierBindUp);
});

test('a missing, malformed, unknown or revoked token is 401 with the same answer, and each failure is audited', async (t) => {
  const { api, daemon } = await startApi(t, 'unauthorized');
  const answers = [
    await api.call('GET', '/v1/leases'),
    await api.call('GET', '/v1/leases', { token: 'not-a-token' }),
    await api.call('GET', '/v1/leases', { token: `mg_${'a'.repeat(16)}_${'b'.repeat(43)}` }),
  ];
  const revokedId = /^mg_([a-z2-7]{16})_/.exec(api.tokens.auditor)![1]!;
  new ApiTokens(daemon.gateway.db, daemon.gateway.bodyKeys).revoke(revokedId);
  answers.push(await api.call('GET', '/v1/leases', { token: api.tokens.auditor }));
  for (const a of answers) {
    t.is(a.status, 401);
    t.is(a.body.error, 'unauthorized');
    t.is(a.headers.get('www-authenticate'), 'Bearer realm="maskgate"');
  }
  const failures = daemon.gateway.audit.list({ action: 'api' }).filter((r) => r.action === 'api.auth-failed');
  t.deepEqual(
    failures.map((r) => r.detail.reason),
    ['missing', 'malformed', 'unknown', 'revoked'],
  );
});

test('an admin token needs a current TOTP code, and an older code is refused once a newer one was used', async (t) => {
  const { api } = await startApi(t, 'totp');
  t.is((await api.call('GET', '/v1/tokens', { token: api.tokens.admin, totp: null })).status, 401);
  t.is((await api.call('GET', '/v1/tokens', { token: api.tokens.admin, totp: '000000' === api.totp.generate() ? '111111' : '000000' })).status, 401);
  const ok = await api.call('GET', '/v1/tokens', { token: api.tokens.admin });
  t.is(ok.status, 200, ok.text);
  t.is(ok.body.length, 5);
  t.false(JSON.stringify(ok.body).includes(api.tokens.operator.slice(21)), 'no secret in a listing');
  // The code of the step before now is valid by clock skew only until a newer step was used.
  const previous = api.totp.generate({ timestamp: Date.now() - 30_000 });
  t.is((await api.call('GET', '/v1/tokens', { token: api.tokens.admin, totp: previous })).status, 401);
});

test('repeated failures lock the address out with 429', async (t) => {
  const { api } = await startApi(t, 'lockout', { failedAuth: { maxFailures: 3, windowMs: 600_000, lockMs: 600_000 } });
  for (let i = 0; i < 3; i++) t.is((await api.call('GET', '/v1/leases', { token: 'wrong' })).status, 401);
  const locked = await api.call('GET', '/v1/leases', { token: api.tokens.operator });
  t.is(locked.status, 429);
  t.is(locked.body.error, 'locked_out');
});

test('leases: a client requests and releases its own; others get 404; the auditor may read but not write', async (t) => {
  const { api, daemon } = await startApi(t, 'leases');
  const made = await api.call('POST', '/v1/leases', { token: api.tokens.client, body: { ttlSeconds: 600, reference: 'order-1' } });
  t.is(made.status, 201, made.text);
  t.is(made.body.account, CLIENT.systemId);
  t.regex(made.body.number, /^\+99871230\d{4}$/);
  t.is(made.body.state, 'active');
  t.is(daemon.gateway.leases.get(made.body.id)?.account, CLIENT.systemId);

  t.is((await api.call('GET', `/v1/leases/${made.body.id}`, { token: api.tokens.client })).status, 200);
  t.is((await api.call('GET', `/v1/leases/${made.body.id}`, { token: api.tokens.otherClient })).status, 404);
  t.is((await api.call('DELETE', `/v1/leases/${made.body.id}`, { token: api.tokens.otherClient })).status, 404);
  t.is((await api.call('GET', '/v1/leases?account=other', { token: api.tokens.client })).status, 404);
  t.deepEqual((await api.call('GET', '/v1/leases', { token: api.tokens.otherClient })).body, []);
  t.is((await api.call('GET', '/v1/leases', { token: api.tokens.auditor })).body.length, 1);
  const auditorWrite = await api.call('POST', '/v1/leases', { token: api.tokens.auditor, body: { account: 'other', ttlSeconds: 60 } });
  t.is(auditorWrite.status, 403);
  t.is(auditorWrite.body.error, 'forbidden');
  t.is((await api.call('POST', '/v1/leases', { token: api.tokens.client, body: { account: 'other', ttlSeconds: 60 } })).status, 404);
  t.is((await api.call('POST', '/v1/leases', { token: api.tokens.operator, body: { ttlSeconds: 60 } })).status, 400, 'an operator names the account');
  const byOperator = await api.call('POST', '/v1/leases', { token: api.tokens.operator, body: { account: 'other', ttlSeconds: 60, country: 'UZ' } });
  t.is(byOperator.status, 201, byOperator.text);
  t.is(byOperator.body.account, 'other');

  const released = await api.call('DELETE', `/v1/leases/${made.body.id}`, { token: api.tokens.client });
  t.is(released.status, 200);
  t.is(released.body.endReason, 'release');
  const actions = daemon.gateway.audit.list({ action: 'lease' }).map((r) => `${r.action} ${r.actor.split(':')[0]}`);
  t.deepEqual(actions, ['lease.request api', 'lease.request api', 'lease.release api']);
});

test('a pool with nothing eligible answers 409 with the reason', async (t) => {
  const { api } = await startApi(t, 'exhausted');
  for (let i = 0; i < 6; i++) t.is((await api.call('POST', '/v1/leases', { token: api.tokens.client, body: { ttlSeconds: 60 } })).status, 201);
  const none = await api.call('POST', '/v1/leases', { token: api.tokens.client, body: { ttlSeconds: 60 } });
  t.is(none.status, 409);
  t.is(none.body.error, 'no_number_available');
  t.regex(none.body.message, /leased/);
});

test('masks and sessions: made, listed, ended; no real number in any answer or audit row', async (t) => {
  const { api, daemon } = await startApi(t, 'relays');
  const real = `+${testNumber()}`;
  const [a, b] = [`+${testNumber()}`, `+${testNumber()}`];
  const mask = await api.call('POST', '/v1/masks', { token: api.tokens.client, body: { number: real, ttlSeconds: 600 } });
  t.is(mask.status, 201, mask.text);
  t.regex(mask.body.alias, /^000\d+$/);
  const session = await api.call('POST', '/v1/sessions', { token: api.tokens.operator, body: { account: CLIENT.systemId, parties: [a, b], ttlSeconds: 600 } });
  t.is(session.status, 201, session.text);
  t.is(session.body.parties.length, 2);

  t.is((await api.call('GET', `/v1/masks/${mask.body.id}`, { token: api.tokens.otherClient })).status, 404);
  t.is((await api.call('DELETE', `/v1/sessions/${session.body.id}`, { token: api.tokens.otherClient })).status, 404);
  t.is((await api.call('GET', '/v1/masks', { token: api.tokens.client })).body.length, 1);
  t.is((await api.call('GET', '/v1/sessions?active=true', { token: api.tokens.auditor })).body.length, 1);
  t.is((await api.call('DELETE', `/v1/masks/${mask.body.id}`, { token: api.tokens.auditor })).status, 403);

  const revoked = await api.call('DELETE', `/v1/masks/${mask.body.id}`, { token: api.tokens.client });
  t.is(revoked.body.endReason, 'revoked');
  const closed = await api.call('DELETE', `/v1/sessions/${session.body.id}`, { token: api.tokens.admin });
  t.is(closed.status, 200, closed.text);
  t.is(closed.body.state, 'ended');

  const everything = JSON.stringify([mask.body, session.body, revoked.body, closed.body, daemon.gateway.audit.list()]);
  for (const n of [real, a, b]) t.false(everything.includes(n.slice(1)), 'a real number leaked');
  const badNumber = await api.call('POST', '/v1/masks', { token: api.tokens.client, body: { number: '12ab', ttlSeconds: 60 } });
  t.is(badNumber.status, 400);
  t.false(badNumber.text.includes('12ab'), 'the refused value is not echoed');
});

test('messages: a client submits over HTTP, the carrier gets it, and getDeliveryStatus follows it; others get 404', async (t) => {
  const { api, sim } = await startApi(t, 'messages');
  const to = testNumber();
  const sent = await api.call('POST', '/v1/messages', { token: api.tokens.client, body: { from: 'Shop', to, text: 'Your code is 4711', receipt: true } });
  t.is(sent.status, 202, sent.text);
  const id = sent.body.id as string;
  let status = await api.call('GET', `/v1/messages/${id}`, { token: api.tokens.client });
  while (status.body.state !== 'DELIVERED') {
    await new Promise((r) => setTimeout(r, 20));
    status = await api.call('GET', `/v1/messages/${id}`, { token: api.tokens.client });
  }
  t.is(status.body.attempts[0].carrier, 'alpha');
  t.is(status.body.attempts[0].outcome, 'accepted');
  t.false(status.text.includes(to), 'no number in a status');
  t.truthy(sim.messages.list(100).find((m) => m.destination_addr === to));
  t.is((await api.call('GET', `/v1/messages/${id}`, { token: api.tokens.otherClient })).status, 404);
  t.is((await api.call('GET', `/v1/messages/${id}`, { token: api.tokens.auditor })).status, 200);
  t.is((await api.call('POST', '/v1/messages', { token: api.tokens.auditor, body: { account: CLIENT.systemId, from: 'Shop', to, text: 'x' } })).status, 403);

  const long = await api.call('POST', '/v1/messages', { token: api.tokens.client, body: { from: '998712300999', to, text: 'Salom! '.repeat(40) } });
  t.is(long.status, 202, long.text);
  const badTo = await api.call('POST', '/v1/messages', { token: api.tokens.client, body: { from: 'Shop', to: `000${'4'.repeat(12)}`, text: 'x' } });
  t.is(badTo.status, 400, 'an alias that is no mask of the account');
  t.is(badTo.body.error, 'bad_destination');
});

test('bad JSON, unknown fields, wrong types and oversized bodies get a 4xx that says what is wrong', async (t) => {
  const { api } = await startApi(t, 'bad-requests', { bodyLimitBytes: 2048 });
  const badJson = await api.call('POST', '/v1/leases', { token: api.tokens.client, raw: '{"ttlSeconds": ' });
  t.is(badJson.status, 400);
  t.is(badJson.body.error, 'bad_request');
  const unknown = await api.call('POST', '/v1/leases', { token: api.tokens.client, body: { ttlSeconds: 60, ttl: 60 } });
  t.is(unknown.status, 400);
  t.regex(unknown.body.message, /ttl/);
  const wrongType = await api.call('POST', '/v1/leases', { token: api.tokens.client, body: { ttlSeconds: 'soon' } });
  t.is(wrongType.status, 400);
  t.regex(wrongType.body.message, /ttlSeconds/);
  const oversized = await api.call('POST', '/v1/messages', { token: api.tokens.client, body: { from: 'Shop', to: testNumber(), text: 'x'.repeat(4000) } });
  t.is(oversized.status, 413);
  t.is(oversized.body.error, 'body_too_large');
  const noRoute = await api.call('GET', '/v1/nothing', { token: api.tokens.client });
  t.is(noRoute.status, 404);
});

test('read-outs: accounts, pools, audit and tokens by role', async (t) => {
  const { api } = await startApi(t, 'read-outs');
  t.is((await api.call('GET', '/v1/accounts', { token: api.tokens.operator })).body.length, 2);
  t.is((await api.call('GET', '/v1/accounts', { token: api.tokens.client })).status, 403);
  const own = await api.call('GET', `/v1/accounts/${CLIENT.systemId}`, { token: api.tokens.client });
  t.is(own.status, 200);
  t.false('passwordHash' in own.body);
  t.is((await api.call('GET', '/v1/accounts/other', { token: api.tokens.client })).status, 404);
  const pools = await api.call('GET', '/v1/pools', { token: api.tokens.client });
  t.deepEqual(pools.body, [{ country: 'UZ', carrier: 'alpha', total: 6, byState: { available: 6, leased: 0, cooling: 0, quarantined: 0, retired: 0 } }]);
  t.is((await api.call('GET', '/v1/audit', { token: api.tokens.operator })).status, 403);
  t.is((await api.call('GET', '/v1/audit', { token: api.tokens.auditor })).status, 200);
  const verified = await api.call('GET', '/v1/audit/verify', { token: api.tokens.auditor });
  t.true(verified.body.ok);
  t.is((await api.call('GET', '/v1/tokens', { token: api.tokens.operator })).status, 403);
  const tokenId = /^mg_([a-z2-7]{16})_/.exec(api.tokens.otherClient)![1]!;
  t.is((await api.call('DELETE', `/v1/tokens/${tokenId}`, { token: api.tokens.admin })).status, 200);
  t.is((await api.call('GET', '/v1/leases', { token: api.tokens.otherClient })).status, 401);
});

test('the OpenAPI document is valid OpenAPI 3 and lists exactly the routes served', async (t) => {
  const { api, daemon } = await startApi(t, 'openapi');
  const doc = await api.call('GET', '/openapi.json');
  t.is(doc.status, 200);
  t.is(doc.body.openapi, '3.0.3');
  const documented = Object.entries(doc.body.paths as Record<string, Record<string, { operationId?: string; responses: object }>>).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      t.truthy(op.operationId, `${method} ${path} has an operationId`);
      t.true(Object.keys(op.responses).length > 0, `${method} ${path} documents its responses`);
      return `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
    }),
  );
  const served = ['/v1/leases', '/v1/masks', '/v1/sessions', '/v1/messages', '/v1/accounts', '/v1/pools', '/v1/audit', '/v1/tokens'];
  for (const prefix of served) t.true(documented.some((d) => d.includes(` ${prefix}`)), `${prefix} documented`);
  for (const op of ['requestNumber', 'releaseNumber', 'createMask', 'revokeMask', 'createSession', 'closeSession', 'getDeliveryStatus', 'submitMessage']) {
    t.true(JSON.stringify(doc.body.paths).includes(`"operationId":"${op}"`), op);
  }
  // Every documented route exists: calling it without a token is 401 (or 200 for the public ones), never 404.
  for (const d of documented) {
    const [method, path] = d.split(' ') as [string, string];
    const res = await api.call(method, path.replace(/:\w+/g, 'x'), method === 'POST' ? { body: {} } : {});
    t.not(res.status, 404, `${d} is served`);
  }
  await t.notThrowsAsync(validate(structuredClone(doc.body)), 'the document validates against the OpenAPI 3 schema');
  const docs = await fetch(`${api.base}/docs`, { redirect: 'follow' });
  t.is(docs.status, 200);
  t.regex(await docs.text(), /swagger/i);
  t.truthy(daemon.http);
});

test('/metrics is Prometheus text with the named series and no number or text in it', async (t) => {
  const { api, client } = await startApi(t, 'metrics');
  const to = testNumber();
  await client.submit({ source_addr: 'Shop', source_addr_ton: 5, destination_addr: to, short_message: 'metrics body text', registered_delivery: 1 });
  await api.call('POST', '/v1/leases', { token: api.tokens.client, body: { ttlSeconds: 60 } });
  let text = '';
  for (;;) {
    const res = await api.call('GET', '/metrics');
    t.is(res.status, 200);
    t.regex(res.headers.get('content-type') ?? '', /^text\/plain/);
    text = res.text;
    if (/maskgate_dlr_outcomes_total\{state="DELIVERED"\} 1/.test(text)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f] as const));
  for (const name of [
    'maskgate_carrier_binds_up',
    'maskgate_carrier_submits_total',
    'maskgate_carrier_responses_total',
    'maskgate_carrier_throttles_total',
    'maskgate_carrier_window_in_use',
    'maskgate_carrier_pace_msg_per_second',
    'maskgate_account_submits_total',
    'maskgate_account_queued',
    'maskgate_dlr_outcomes_total',
    'maskgate_delivery_latency_seconds',
    'maskgate_provisioning_latency_seconds',
    'maskgate_pool_numbers',
    'maskgate_ttl_violations_total',
    'maskgate_abuse_blocks_total',
    'maskgate_store_commit_seconds',
  ]) {
    t.true(families.has(name), `${name} exported`);
  }
  t.regex(text, /maskgate_carrier_binds_up\{carrier="alpha"\} 1/);
  t.regex(text, new RegExp(`maskgate_account_submits_total\\{account="${CLIENT.systemId}",outcome="accepted"\\} 1`));
  t.regex(text, /maskgate_carrier_responses_total\{carrier="alpha",status="ESME_ROK"\} 1/);
  t.regex(text, /maskgate_provisioning_latency_seconds_count\{kind="lease"\} 1/);
  t.regex(text, /maskgate_pool_numbers\{country="UZ",carrier="alpha",state="leased"\} 1/);
  t.false(text.includes(to), 'no phone number');
  t.false(text.includes('metrics body text'), 'no message text');
});

test('/metrics takes a token when http.metricsRequireToken is set', async (t) => {
  const { api } = await startApi(t, 'metrics-token', { metricsRequireToken: true });
  t.is((await api.call('GET', '/metrics')).status, 401);
  t.is((await api.call('GET', '/metrics', { token: api.tokens.client })).status, 403);
  t.is((await api.call('GET', '/metrics', { token: api.tokens.auditor })).status, 200);
});

test('the role matrix: each route admits exactly its roles (403 for the others, 401 without a token)', async (t) => {
  const { api } = await startApi(t, 'role-matrix');
  const W = ['admin', 'operator', 'client'] as const;
  const ALL = ['admin', 'operator', 'client', 'auditor'] as const;
  const routes: [method: string, path: string, roles: readonly string[]][] = [
    ['POST', '/v1/leases', W],
    ['GET', '/v1/leases', ALL],
    ['GET', '/v1/leases/x', ALL],
    ['DELETE', '/v1/leases/x', W],
    ['POST', '/v1/masks', W],
    ['GET', '/v1/masks', ALL],
    ['GET', '/v1/masks/x', ALL],
    ['DELETE', '/v1/masks/x', W],
    ['POST', '/v1/sessions', W],
    ['GET', '/v1/sessions', ALL],
    ['GET', '/v1/sessions/x', ALL],
    ['DELETE', '/v1/sessions/x', W],
    ['POST', '/v1/messages', W],
    ['GET', '/v1/messages/x', ALL],
    ['GET', '/v1/accounts', ['admin', 'operator', 'auditor']],
    ['GET', '/v1/accounts/x', ALL],
    ['GET', '/v1/pools', ALL],
    ['GET', '/v1/audit', ['admin', 'auditor']],
    ['GET', '/v1/audit/verify', ['admin', 'auditor']],
    ['GET', '/v1/tokens', ['admin']],
    ['DELETE', '/v1/tokens/x', ['admin']],
  ];
  for (const [method, path, roles] of routes) {
    const body = method === 'POST' ? {} : undefined;
    t.is((await api.call(method, path, { body })).status, 401, `${method} ${path} without a token`);
    for (const role of ALL) {
      const res = await api.call(method, path, { token: api.tokens[role], body });
      if (roles.includes(role)) t.true(res.status !== 401 && res.status !== 403, `${role} may ${method} ${path} (got ${res.status})`);
      else t.is(res.status, 403, `${role} may not ${method} ${path}`);
    }
  }
});

test('with http.tls the API speaks HTTPS, with the certificate material of tls init', async (t) => {
  const dir = path.join(files.dir, 'https-tls');
  const ca = await createCertificateAuthority({ commonName: 'test CA', validDays: 1 });
  const server = await issueServerCertificate(ca, { commonName: 'localhost', hosts: ['localhost', '127.0.0.1'], validDays: 1 });
  const paths = await writeTlsMaterial(dir, { ca, server });
  const { daemon } = await startPoolDaemon(t, files, { name: 'https', pool: poolNumbers(1), http: { host: '127.0.0.1', port: 0, tls: { certFile: paths.certPath, keyFile: paths.keyPath } } });
  const get = (trusted: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.get({ host: '127.0.0.1', port: daemon.http!.port, path: '/healthz', ca: trusted, servername: 'localhost' }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
    });
  t.deepEqual(await get(ca.certPem), { status: 200, body: '{"status":"ok"}' });
  const other = await createCertificateAuthority({ commonName: 'another CA', validDays: 1 });
  await t.throwsAsync(get(other.certPem), undefined, 'a client that does not trust the CA refuses the server');
  const plain = await fetch(`http://127.0.0.1:${daemon.http!.port}/healthz`).then(
    (res) => res.status,
    () => 'refused',
  );
  t.not(plain, 200, 'no plain HTTP on the HTTPS port');
});
