import test from 'ava';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempFiles } from '../helpers/temp-files.js';
import { CLI, ROOT } from '../helpers/cli.js';

const tmp = tempFiles('cli-tls').dir;

// Asynchronous: key generation takes a moment, and the tests of this file run at once.
function maskgate(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.MASKGATE_CONFIG;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A configuration in its own directory (`<tmp>/<name>/etc/maskgate.yaml`). */
function configIn(name: string, yaml = ''): string {
  const dir = path.join(tmp, name, 'etc');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'maskgate.yaml');
  writeFileSync(file, `keys:\n  masterKeyFile: master.key\nhttp:\n  enabled: false\n${yaml}`);
  return file;
}

test('tls init without TLS configured writes to <config dir>/../data/tls a server certificate the CA verifies', async (t) => {
  const config = configIn('default');
  const dir = path.join(tmp, 'default', 'data', 'tls');
  const { status, stdout, stderr } = await maskgate(['--config', config, 'tls', 'init']);
  t.is(stderr, '');
  t.is(status, 0);
  t.true(stdout.includes(`CA certificate (give it to clients): ${path.join(dir, 'ca.pem')}`));
  t.true(stdout.includes('Point smpp.tls.certFile and smpp.tls.keyFile at these two files'));
  t.deepEqual(readdirSync(dir).sort(), ['ca.pem', 'server.key', 'server.pem']);
  t.is(statSync(path.join(dir, 'server.key')).mode & 0o777, 0o600);
  const ca = new X509Certificate(readFileSync(path.join(dir, 'ca.pem')));
  const server = new X509Certificate(readFileSync(path.join(dir, 'server.pem')));
  t.true(server.verify(ca.publicKey));
  t.true(server.checkIssued(ca));
  t.is(server.checkHost('localhost'), 'localhost');
  t.is(server.checkIP('127.0.0.1'), '127.0.0.1');
  t.is(server.checkIP('::1'), '::1');
});

test('tls init defaults to the directory of smpp.tls.certFile, and --json prints the paths and hosts', async (t) => {
  const config = configIn('configured', 'smpp:\n  tls:\n    certFile: tls/server.pem\n    keyFile: tls/server.key\n');
  const dir = path.join(path.dirname(config), 'tls');
  const { status, stdout } = await maskgate(['--json', '--config', config, 'tls', 'init', '--hosts', 'smpp.example.test, 10.0.0.5']);
  t.is(status, 0);
  t.deepEqual(JSON.parse(stdout), {
    caCertPath: path.join(dir, 'ca.pem'),
    certPath: path.join(dir, 'server.pem'),
    keyPath: path.join(dir, 'server.key'),
    hosts: ['smpp.example.test', '10.0.0.5'],
  });
  const server = new X509Certificate(readFileSync(path.join(dir, 'server.pem')));
  t.is(server.checkHost('smpp.example.test'), 'smpp.example.test');
  t.is(server.checkIP('10.0.0.5'), '10.0.0.5');
  t.is(server.checkHost('localhost'), undefined);
});

test('a second tls init exits 2 and keeps the files; --force replaces them', async (t) => {
  const config = configIn('twice');
  const dir = path.join(tmp, 'twice', 'custom');
  t.is((await maskgate(['--config', config, 'tls', 'init', '--dir', dir])).status, 0);
  const firstCa = readFileSync(path.join(dir, 'ca.pem'), 'utf8');

  const again = await maskgate(['--config', config, 'tls', 'init', '--dir', dir]);
  t.is(again.status, 2);
  t.is(again.stdout, '');
  t.true(again.stderr.includes(`ca.pem, server.pem, server.key already exist in ${dir}`));
  t.true(again.stderr.includes('--force'));
  t.is(readFileSync(path.join(dir, 'ca.pem'), 'utf8'), firstCa);

  const forced = await maskgate(['--config', config, 'tls', 'init', '--dir', dir, '--force']);
  t.is(forced.status, 0);
  t.not(readFileSync(path.join(dir, 'ca.pem'), 'utf8'), firstCa);
  t.deepEqual(readdirSync(dir).sort(), ['ca.pem', 'server.key', 'server.pem']);
});

test('tls init with an empty --hosts exits 2 and writes nothing', async (t) => {
  const config = configIn('nohosts');
  const dir = path.join(tmp, 'nohosts', 'out');
  const { status, stderr } = await maskgate(['--config', config, 'tls', 'init', '--dir', dir, '--hosts', ' , ']);
  t.is(status, 2);
  t.true(stderr.includes('--hosts names no host'));
  t.throws(() => readdirSync(dir));
});
