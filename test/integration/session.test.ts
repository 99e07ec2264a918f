/**
 * The SMPP wrapper's promises, over real sockets: deadlines on requests and connects,
 * a bounded window, lost requests reported on close, TLS verified by default, and
 * backpressure toward a peer that does not read.
 */
import test from 'ava';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { SmppServer } from '../../src/smpp/server.js';
import { connectSession, connectAndBind } from '../../src/smpp/client.js';
import type { SmppSession } from '../../src/smpp/session.js';
import { encodePdu } from '../../src/smpp/codec.js';
import { PduFramer } from '../../src/smpp/framer.js';
import { GatewayError } from '../../src/errors.js';
import { createCertificateAuthority, issueServerCertificate } from '../../src/keys/tls-material.js';
import { quietLogger, testNumber } from '../helpers/esme.js';

const sessionOptions = { windowSize: 100, responseTimeoutMs: 10_000, maxPduBytes: 65_536 };

/** An SMSC that accepts any bind and hands every other request to `onRequest`. */
async function scriptedSmsc(t: { teardown(fn: () => unknown): void }, onRequest: (s: SmppSession, command: string, pdu: Parameters<SmppSession['respond']>[0]) => void) {
  const sessions: SmppSession[] = [];
  const server = new SmppServer({
    host: '127.0.0.1',
    port: 0,
    session: sessionOptions,
    logger: quietLogger,
    onSession: (s) => {
      sessions.push(s);
      s.on('bind', (pdu, mode) => s.acceptBind(pdu, mode, 'scripted'));
      s.on('request', (pdu) => onRequest(s, pdu.command, pdu));
    },
  });
  const { port } = await server.listen();
  t.teardown(() => server.close());
  return { port, sessions };
}

function bind(port: number, overrides: Partial<typeof sessionOptions> = {}) {
  return connectAndBind({
    host: '127.0.0.1',
    port,
    connectTimeoutMs: 5_000,
    mode: 'transceiver',
    credentials: { system_id: 'client', password: 'pw' },
    session: { ...sessionOptions, ...overrides, logger: quietLogger },
  });
}

const submit = { destination_addr: testNumber(), short_message: Buffer.from('x') };

test('a request without a response rejects with RESPONSE_TIMEOUT and frees its window slot', async (t) => {
  const smsc = await scriptedSmsc(t, () => undefined); // answers nothing after the bind
  // Generous: the bind must complete on a loaded machine; the submit is never answered anyway.
  const esme = await bind(smsc.port, { responseTimeoutMs: 2_000, windowSize: 1 });
  t.teardown(() => esme.destroy('local'));
  const err = await t.throwsAsync(esme.request('submit_sm', submit), { instanceOf: GatewayError });
  t.is(err?.code, 'RESPONSE_TIMEOUT');
  t.true(esme.windowHasRoom);
});

test('a full window refuses a request and reopens when a response comes', async (t) => {
  const held: (() => void)[] = [];
  const smsc = await scriptedSmsc(t, (s, _c, pdu) => held.push(() => s.respond(pdu, { message_id: 'm' })));
  const esme = await bind(smsc.port, { windowSize: 2 });
  t.teardown(() => esme.destroy('local'));
  const first = esme.request('submit_sm', submit);
  const second = esme.request('submit_sm', submit);
  const third = await t.throwsAsync(esme.request('submit_sm', submit), { instanceOf: GatewayError });
  t.is(third?.code, 'WINDOW_FULL');
  const room = esme.whenWindowHasRoom();
  while (held.length === 0) await once(smsc.sessions[0]!, 'request');
  held.shift()!();
  await room;
  t.is((await first).message_id, 'm');
  t.true(esme.windowHasRoom);
  void second.catch(() => undefined);
});

test('when the connection drops, pending requests reject and are reported as lost', async (t) => {
  const smsc = await scriptedSmsc(t, (s, command) => {
    if (command === 'submit_sm' && s.inFlight === 0) s.destroy('local'); // drop on the first submit
  });
  const esme = await bind(smsc.port);
  const closed = once(esme, 'close');
  const results = await Promise.allSettled([esme.request('submit_sm', submit), esme.request('submit_sm', submit)]);
  const [{ reason, lost }] = (await closed) as [{ reason: string; lost: { command: string }[] }];
  t.is(reason, 'peer_closed');
  t.is(lost.length, 2);
  t.deepEqual(lost.map((p) => p.command), ['submit_sm', 'submit_sm']);
  for (const r of results) {
    t.is(r.status, 'rejected');
    t.is((r as PromiseRejectedResult).reason.code, 'SESSION_CLOSED');
  }
  t.is(esme.state, 'closed');
});

test('a connect that never completes fails with CONNECT_TIMEOUT', async (t) => {
  // A plain TCP listener that never speaks TLS: the handshake hangs, so only our timer ends it.
  const silent = net.createServer(() => undefined);
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const accepted: net.Socket[] = [];
  silent.on('connection', (s) => accepted.push(s));
  t.teardown(() => {
    for (const s of accepted) s.destroy();
    silent.close();
  });
  const port = (silent.address() as net.AddressInfo).port;
  const err = await t.throwsAsync(
    connectSession({ host: '127.0.0.1', port, tls: {}, connectTimeoutMs: 300, session: { ...sessionOptions, logger: quietLogger } }),
    { instanceOf: GatewayError },
  );
  t.is(err?.code, 'CONNECT_TIMEOUT');
});

test('TLS verifies the certificate unless told otherwise', async (t) => {
  const ca = await createCertificateAuthority({ commonName: 'test CA', validDays: 1 });
  const cert = await issueServerCertificate(ca, { commonName: 'localhost', hosts: ['localhost', '127.0.0.1'], validDays: 1 });
  const server = new SmppServer({
    host: '127.0.0.1',
    port: 0,
    tls: { cert: cert.certPem, key: cert.keyPem },
    session: sessionOptions,
    logger: quietLogger,
    onSession: (s) => s.on('bind', (pdu, mode) => s.acceptBind(pdu, mode, 'tls')),
  });
  const { port } = await server.listen();
  t.teardown(() => server.close());
  const opts = { host: '127.0.0.1', port, connectTimeoutMs: 5_000, session: { ...sessionOptions, logger: quietLogger } };

  const untrusted = await t.throwsAsync(connectSession({ ...opts, tls: {} }), { instanceOf: GatewayError });
  t.regex(untrusted!.message, /certificate/i);

  const trusted = await connectAndBind({ ...opts, tls: { ca: ca.certPem }, mode: 'transmitter', credentials: { system_id: 'c', password: 'p' } });
  t.is(trusted.state, 'bound_tx');
  t.true(trusted.socket instanceof tls.TLSSocket && trusted.socket.authorized);
  await trusted.unbind();
});

// Serial: it floods one process on purpose and must not starve the other tests' binds.
test.serial('a peer that does not read its responses gets backpressure, then every response', async (t) => {
  // Big responses, so the kernel's socket buffers (tens of MB on loopback) fill quickly.
  const bigResponse = { message_id: 'm', message_payload: Buffer.alloc(50_000) };
  const smsc = await scriptedSmsc(t, (s, _c, pdu) => s.respond(pdu, bigResponse));
  const client = net.connect({ host: '127.0.0.1', port: smsc.port });
  await once(client, 'connect');
  t.teardown(() => client.destroy());
  client.pause(); // never read: the responses pile up in the kernel, then at the SMSC

  const count = 2_000; // ~100 MB of responses: far beyond every buffer
  const pdus: Buffer[] = [encodePdu('bind_transceiver', 1, { system_id: 'c', password: 'p' })];
  for (let i = 2; i <= count + 1; i++) pdus.push(encodePdu('submit_sm', i, submit));
  client.write(Buffer.concat(pdus));

  while (smsc.sessions.length === 0) await new Promise((r) => setImmediate(r));
  const server = smsc.sessions[0]!;
  while (!server.readingPaused) await new Promise((r) => setImmediate(r));
  t.true(server.readingPaused, 'the SMSC stopped reading instead of buffering');
  t.true(server.socket.writableLength < 4 * 1024 * 1024, `the SMSC buffers ${server.socket.writableLength} bytes`);

  // Now read: every submit gets its response, none lost to the pause.
  const framer = new PduFramer(65_536);
  let answered = 0;
  const done = new Promise<void>((resolve) => {
    client.on('data', (chunk: Buffer) => {
      framer.push(chunk);
      for (let f = framer.next(); f; f = framer.next()) if (f.kind === 'pdu' && f.bytes.readUInt32BE(4) === 0x80000004) answered++;
      if (answered === count) resolve();
    });
  });
  client.resume();
  await done;
  t.is(answered, count);
});
