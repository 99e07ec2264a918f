import test from 'ava';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate, writeTlsMaterial } from '../../src/keys/tls-material.js';
import { STATUS } from '../../src/smpp/status.js';
import { startClientSide } from '../helpers/clients.js';
import { bindEsme, testNumber } from '../helpers/esme.js';
import { RawSmpp } from '../helpers/raw-smpp.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('client-binds');
const ACME = { systemId: 'acme', password: 'acme-pw' };
const ACME_CREDENTIALS = { system_id: 'acme', password: 'acme-pw' };

test('a client binds as transmitter, receiver and transceiver; the bind_resp names maskgate', async (t) => {
  const { listener } = await startClientSide(t, files, { accounts: [ACME] });
  for (const command of ['bind_transmitter', 'bind_receiver', 'bind_transceiver']) {
    const raw = await RawSmpp.connect(listener.port);
    t.teardown(() => raw.close());
    const resp = await raw.request(command, { system_id: 'acme', password: 'acme-pw' });
    t.is(resp.command, `${command}_resp`);
    t.is(resp.command_status, STATUS.ESME_ROK, command);
    t.is(resp.system_id, 'maskgate');
  }
  t.is(listener.registry.count('acme'), 3);
  t.is(listener.registry.receivers('acme').length, 2);
});

test('binds are refused with 0x0F (unknown system_id), 0x0E (wrong password), 0x0D (mode not allowed)', async (t) => {
  const { listener, directory } = await startClientSide(t, files, { accounts: [ACME, { systemId: 'txonly', password: 'pw', bindModes: ['transmitter'] }] });
  const raw = await RawSmpp.connect(listener.port);
  t.teardown(() => raw.close());
  t.is((await raw.request('bind_transmitter', { system_id: 'nobody', password: 'x' })).command_status, STATUS.ESME_RINVSYSID);
  t.is((await raw.request('bind_transmitter', { system_id: 'acme', password: 'wrong' })).command_status, STATUS.ESME_RINVPASWD);
  t.is((await raw.request('bind_receiver', { system_id: 'txonly', password: 'pw' })).command_status, STATUS.ESME_RBINDFAIL);
  // A refused bind leaves the connection open for another try, and the directory saw the peer.
  t.is((await raw.request('bind_transmitter', { system_id: 'txonly', password: 'pw' })).command_status, STATUS.ESME_ROK);
  t.is(directory.attempts.at(-1)?.remoteAddress, '127.0.0.1');
  t.is(listener.registry.count('txonly'), 1);
});

test('binds beyond maxBinds get 0x0D, even when they arrive at once; a closed bind frees its slot', async (t) => {
  const { listener } = await startClientSide(t, files, { accounts: [{ ...ACME, maxBinds: 2 }], gate: 5 });
  const peers = await Promise.all(Array.from({ length: 5 }, () => RawSmpp.connect(listener.port)));
  t.teardown(() => peers.forEach((p) => p.close()));
  const statuses = await Promise.all(peers.map(async (p) => (await p.request('bind_transceiver', ACME_CREDENTIALS)).command_status));
  t.deepEqual([...statuses].sort(), [STATUS.ESME_ROK, STATUS.ESME_ROK, STATUS.ESME_RBINDFAIL, STATUS.ESME_RBINDFAIL, STATUS.ESME_RBINDFAIL].sort());
  t.is(listener.registry.count('acme'), 2);
  // Each decision now waits for five binds: send them, one on the freed slot.
  const winner = peers[statuses.indexOf(STATUS.ESME_ROK)]!;
  winner.close();
  await winner.closed;
  while (listener.registry.count('acme') > 1) await new Promise((r) => setTimeout(r, 10));
  const late = await Promise.all(Array.from({ length: 5 }, () => RawSmpp.connect(listener.port)));
  t.teardown(() => late.forEach((p) => p.close()));
  const lateStatuses = await Promise.all(late.map(async (p) => (await p.request('bind_transceiver', ACME_CREDENTIALS)).command_status));
  t.is(lateStatuses.filter((s) => s === STATUS.ESME_ROK).length, 1);
});

test('a submit before any bind gets 0x04', async (t) => {
  const { listener } = await startClientSide(t, files, { accounts: [ACME] });
  const raw = await RawSmpp.connect(listener.port);
  t.teardown(() => raw.close());
  const resp = await raw.request('submit_sm', { source_addr: '12345', destination_addr: testNumber(), short_message: Buffer.from('hi') });
  t.is(resp.command, 'submit_sm_resp');
  t.is(resp.command_status, STATUS.ESME_RINVBNDSTS);
});

test('a receiver bind may not submit: 0x04', async (t) => {
  const { listener } = await startClientSide(t, files, { accounts: [ACME] });
  const raw = await RawSmpp.connect(listener.port);
  t.teardown(() => raw.close());
  t.is((await raw.request('bind_receiver', ACME_CREDENTIALS)).command_status, STATUS.ESME_ROK);
  const resp = await raw.request('submit_sm', { source_addr: '12345', destination_addr: testNumber(), short_message: Buffer.from('hi') });
  t.is(resp.command_status, STATUS.ESME_RINVBNDSTS);
});

test('a connection that never binds is closed at bindTimeoutMs', async (t) => {
  const { listener } = await startClientSide(t, files, { accounts: [ACME], smpp: { bindTimeoutMs: 300 } });
  const raw = await RawSmpp.connect(listener.port);
  t.teardown(() => raw.close());
  // Only the gateway can end this connection: the test never closes it before the await.
  await raw.closed;
  t.is(listener.sessions.size, 0);
  await t.throwsAsync(raw.next(), { message: /closed/ });
});

test('a bound connection is not closed by the bind timeout', async (t) => {
  // Long enough that a loaded test machine still binds in time; the unbound peer waits it out.
  const { listener } = await startClientSide(t, files, { accounts: [ACME], smpp: { bindTimeoutMs: 1_500 } });
  const bound = await RawSmpp.connect(listener.port);
  t.teardown(() => bound.close());
  t.is((await bound.request('bind_transceiver', ACME_CREDENTIALS)).command_status, STATUS.ESME_ROK);
  const idle = await RawSmpp.connect(listener.port);
  t.teardown(() => idle.close());
  await idle.closed; // opened after the bind, so closed after the bound one's timeout would have fired
  t.is((await bound.request('enquire_link')).command_status, STATUS.ESME_ROK);
  t.is(listener.sessions.size, 1);
});

test('a client binds over TLS with the CA of tls init; one that does not trust it cannot', async (t) => {
  const dir = path.join(files.dir, 'tls');
  mkdirSync(dir, { recursive: true });
  const ca = await createCertificateAuthority({ commonName: 'test CA', validDays: 1 });
  const server = await issueServerCertificate(ca, { commonName: 'localhost', hosts: ['localhost', '127.0.0.1'], validDays: 1 });
  const paths = await writeTlsMaterial(dir, { ca, server });
  const { listener } = await startClientSide(t, files, {
    accounts: [ACME],
    smpp: { tls: { host: '127.0.0.1', port: 0, certFile: paths.certPath, keyFile: paths.keyPath } },
  });
  t.truthy(listener.tlsPort);
  const esme = await bindEsme({ port: listener.tlsPort!, systemId: 'acme', password: 'acme-pw', tls: { ca: ca.certPem } });
  t.teardown(() => esme.close());
  t.is(esme.session.state, 'bound_trx');
  const other = await createCertificateAuthority({ commonName: 'another CA', validDays: 1 });
  await t.throwsAsync(bindEsme({ port: listener.tlsPort!, systemId: 'acme', password: 'acme-pw', tls: { ca: other.certPem } }));
});

test('with smpp.tls.caFile a client needs a certificate from that CA (mutual TLS); without one the handshake fails', async (t) => {
  const dir = path.join(files.dir, 'mtls');
  mkdirSync(dir, { recursive: true });
  const ca = await createCertificateAuthority({ commonName: 'test CA', validDays: 1 });
  const server = await issueServerCertificate(ca, { commonName: 'localhost', hosts: ['127.0.0.1'], validDays: 1 });
  const paths = await writeTlsMaterial(dir, { ca, server });
  const { listener } = await startClientSide(t, files, {
    accounts: [ACME],
    smpp: { tls: { host: '127.0.0.1', port: 0, certFile: paths.certPath, keyFile: paths.keyPath, caFile: paths.caCertPath } },
  });
  const client = await issueClientCertificate(ca, { commonName: 'acme', validDays: 1 });
  const esme = await bindEsme({ port: listener.tlsPort!, systemId: 'acme', password: 'acme-pw', tls: { ca: ca.certPem, cert: client.certPem, key: client.keyPem } });
  t.teardown(() => esme.close());
  t.is(esme.session.state, 'bound_trx');

  await t.throwsAsync(bindEsme({ port: listener.tlsPort!, systemId: 'acme', password: 'acme-pw', tls: { ca: ca.certPem } }), undefined, 'no client certificate');
  const stranger = await createCertificateAuthority({ commonName: 'another CA', validDays: 1 });
  const forged = await issueClientCertificate(stranger, { commonName: 'acme', validDays: 1 });
  await t.throwsAsync(bindEsme({ port: listener.tlsPort!, systemId: 'acme', password: 'acme-pw', tls: { ca: ca.certPem, cert: forged.certPem, key: forged.keyPem } }), undefined, 'a certificate from another CA');
  t.is(listener.sessions.size, 1, 'only the certified client got a session');
});
