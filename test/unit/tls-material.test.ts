import test from 'ava';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import forge from 'node-forge';
import { GatewayError } from '../../src/errors.js';
import {
  createCertificateAuthority,
  issueServerCertificate,
  writeTlsMaterial,
  type TlsPair,
} from '../../src/keys/tls-material.js';

// One CA and one server certificate for the file: key generation dominates the run time.
const material = (async () => {
  const ca = await createCertificateAuthority({ commonName: 'maskgate test CA', validDays: 2 });
  const server = await issueServerCertificate(ca, {
    commonName: 'maskgate test server',
    hosts: ['localhost', '127.0.0.1', '::1'],
    validDays: 1,
  });
  return { ca, server };
})();

async function startServer(t: { teardown(fn: () => unknown): void }, server: TlsPair): Promise<number> {
  const listener = tls.createServer({ cert: server.certPem, key: server.keyPem }, (socket) => socket.end());
  // a client refusing our certificate surfaces here; it is the outcome under test, not a fault
  listener.on('tlsClientError', () => undefined);
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  t.teardown(() => new Promise((resolve) => listener.close(resolve)));
  return (listener.address() as AddressInfo).port;
}

function connect(t: { teardown(fn: () => unknown): void }, options: tls.ConnectionOptions): tls.TLSSocket {
  const socket = tls.connect({ host: '127.0.0.1', rejectUnauthorized: true, ...options });
  t.teardown(() => socket.destroy());
  return socket;
}

test('a client trusting the CA completes the handshake', async (t) => {
  const { ca, server } = await material;
  const port = await startServer(t, server);
  const socket = connect(t, { port, ca: ca.certPem, servername: 'localhost' });
  await once(socket, 'secureConnect');
  t.true(socket.authorized);
  t.is(socket.getPeerCertificate().subject.CN, 'maskgate test server');
});

test('the certificate matches its IP address without a server name', async (t) => {
  const { ca, server } = await material;
  const port = await startServer(t, server);
  const socket = connect(t, { port, ca: ca.certPem });
  await once(socket, 'secureConnect');
  t.true(socket.authorized);
});

test('a client without the CA rejects the certificate', async (t) => {
  const { server } = await material;
  const port = await startServer(t, server);
  const socket = connect(t, { port, servername: 'localhost' });
  const [err] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
  t.is(err.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
});

test('a client asking for another host name rejects the certificate', async (t) => {
  const { ca, server } = await material;
  const port = await startServer(t, server);
  const socket = connect(t, { port, ca: ca.certPem, servername: 'smsc.example.com' });
  const [err] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
  t.is(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
});

test('the server certificate carries SANs, serverAuth and a SHA-256 CA signature', async (t) => {
  const { ca, server } = await material;
  const cert = new X509Certificate(server.certPem);
  const caCert = new X509Certificate(ca.certPem);
  t.true(cert.verify(caCert.publicKey));
  t.true(cert.checkIssued(caCert));
  t.false(cert.ca);
  t.true(caCert.ca);
  t.is(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  t.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
  t.is(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  const sha256WithRsa = '1.2.840.113549.1.1.11';
  t.is(forge.pki.certificateFromPem(server.certPem).siginfo.algorithmOid, sha256WithRsa);
  const lifetimeMs = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
  t.true(lifetimeMs > 23 * 3600_000 && lifetimeMs < 25 * 3600_000);
});

test('serial numbers are random and positive', async (t) => {
  const { ca } = await material;
  const options = { commonName: 'x', hosts: ['localhost'], validDays: 1 };
  const [a, b] = await Promise.all([issueServerCertificate(ca, options), issueServerCertificate(ca, options)]);
  const serialA = new X509Certificate(a.certPem).serialNumber;
  const serialB = new X509Certificate(b.certPem).serialNumber;
  t.not(serialA, serialB);
  t.regex(serialA, /^[4-7][0-9A-F]{31}$/);
});

test('a server certificate without hosts is refused', async (t) => {
  const { ca } = await material;
  const err = await t.throwsAsync(issueServerCertificate(ca, { commonName: 'x', hosts: [], validDays: 1 }), {
    instanceOf: GatewayError,
  });
  t.is(err?.code, 'USAGE');
});

test('a validity that is not a whole number of days is refused', async (t) => {
  const err = await t.throwsAsync(createCertificateAuthority({ commonName: 'x', validDays: 0.5 }), {
    instanceOf: GatewayError,
  });
  t.is(err?.code, 'USAGE');
});

test('writeTlsMaterial writes the files, the key 0600 even over an older one', async (t) => {
  const { ca, server } = await material;
  const dir = await mkdtemp(join(tmpdir(), 'maskgate-tls-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'server.key'), 'old key', { mode: 0o644 });

  const files = await writeTlsMaterial(dir, { ca, server });

  t.deepEqual(files, {
    caCertPath: join(dir, 'ca.pem'),
    certPath: join(dir, 'server.pem'),
    keyPath: join(dir, 'server.key'),
  });
  t.is(await readFile(files.caCertPath, 'utf8'), ca.certPem);
  t.is(await readFile(files.certPath, 'utf8'), server.certPem);
  t.is(await readFile(files.keyPath, 'utf8'), server.keyPem);
  t.is((await stat(files.keyPath)).mode & 0o777, 0o600);
  t.is((await stat(files.certPath)).mode & 0o777, 0o644);
});
