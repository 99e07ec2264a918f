/**
 * TLS material for the SMPP TLS listener and for tests: a private certificate authority and
 * server (and, for mutual TLS, client) certificates it signs. node-forge builds and signs the X.509 structures; the RSA
 * keys come from node:crypto, which runs OpenSSL off the main thread, where forge's own
 * pure-JavaScript generator would block for seconds per key.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { GatewayError } from '../errors.js';

/** A certificate and its private key, both PEM. */
export interface TlsPair {
  certPem: string;
  keyPem: string;
}

export interface CaOptions {
  commonName: string;
  validDays: number;
}

export interface ServerCertOptions {
  commonName: string;
  /** DNS names and IP addresses the server answers on, e.g. ['localhost', '127.0.0.1', '::1']. */
  hosts: string[];
  validDays: number;
}

const RSA_BITS = 2048;
const DAY_MS = 24 * 60 * 60 * 1000;
// Backdated so that a peer whose clock runs a little behind accepts a fresh certificate.
const CLOCK_SKEW_MS = 5 * 60 * 1000;

const generateRsa = promisify(generateKeyPair);

async function newKeyPair(): Promise<{ publicKeyPem: string; privateKeyPem: string }> {
  const { publicKey, privateKey } = await generateRsa('rsa', {
    modulusLength: RSA_BITS,
    publicExponent: 0x10001,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

/** 16 random bytes, first byte in 0x40–0x7f: a positive DER INTEGER, minimally encoded. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes.toString('hex');
}

function checkValidDays(validDays: number): void {
  if (!Number.isInteger(validDays) || validDays < 1) {
    throw new GatewayError('USAGE', `certificate validity must be a whole number of days ≥ 1, got ${validDays}`);
  }
}

function newCertificate(publicKeyPem: string, validDays: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  const now = Date.now();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = randomSerial();
  cert.validity.notBefore = new Date(now - CLOCK_SKEW_MS);
  cert.validity.notAfter = new Date(now + validDays * DAY_MS);
  return cert;
}

/** Creates a self-signed CA that can sign server certificates and nothing below them. */
export async function createCertificateAuthority(opts: CaOptions): Promise<TlsPair> {
  checkValidDays(opts.validDays);
  const keys = await newKeyPair();
  const cert = newCertificate(keys.publicKeyPem, opts.validDays);
  const subject = [{ name: 'commonName', value: opts.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKeyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
}

function altName(host: string): { type: number; value?: string; ip?: string } {
  // RFC 5280 §4.2.1.6: GeneralName dNSName [2], iPAddress [7]
  return isIP(host) === 0 ? { type: 2, value: host } : { type: 7, ip: host };
}

/** Issues a server certificate for `hosts`, signed SHA-256 by `ca`. */
export async function issueServerCertificate(ca: TlsPair, opts: ServerCertOptions): Promise<TlsPair> {
  if (opts.hosts.length === 0) {
    // clients match the subjectAltName only, never the common name
    throw new GatewayError('USAGE', 'a server certificate needs at least one host name or IP address, e.g. localhost');
  }
  return issueLeaf(ca, opts.commonName, opts.validDays, [
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: opts.hosts.map(altName) },
  ]);
}

/**
 * Issues a client certificate (extKeyUsage clientAuth), for a client of a listener with
 * `smpp.tls.caFile` (mutual TLS) signed by that CA.
 */
export async function issueClientCertificate(ca: TlsPair, opts: { commonName: string; validDays: number }): Promise<TlsPair> {
  return issueLeaf(ca, opts.commonName, opts.validDays, [{ name: 'extKeyUsage', clientAuth: true }]);
}

async function issueLeaf(ca: TlsPair, commonName: string, validDays: number, usage: object[]): Promise<TlsPair> {
  checkValidDays(validDays);
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = await newKeyPair();
  const cert = newCertificate(keys.publicKeyPem, validDays);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    ...usage,
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.privateKeyPem };
}

export interface TlsMaterialFiles {
  caCertPath: string;
  certPath: string;
  keyPath: string;
}

/**
 * Writes each file to a temporary name created with its final mode, then renames it into
 * place: a key never sits in a readable file, even when it replaces an older one.
 */
async function writeAtomically(path: string, data: string, mode: number): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data, { mode, flag: 'wx' });
    // the umask may have narrowed the mode at creation
    await chmod(temp, mode);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * Writes ca.pem, server.pem and server.key into `dir`, created 0700 when missing. The key
 * is 0600. The CA key is not written here: whoever keeps it can issue trusted certificates.
 */
export async function writeTlsMaterial(
  dir: string,
  material: { ca: Pick<TlsPair, 'certPem'>; server: TlsPair },
): Promise<TlsMaterialFiles> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files = {
    caCertPath: join(dir, 'ca.pem'),
    certPath: join(dir, 'server.pem'),
    keyPath: join(dir, 'server.key'),
  };
  await writeAtomically(files.caCertPath, material.ca.certPem, 0o644);
  await writeAtomically(files.certPath, material.server.certPem, 0o644);
  await writeAtomically(files.keyPath, material.server.keyPem, 0o600);
  return files;
}
