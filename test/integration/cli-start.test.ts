/**
 * The daemon's life from the outside: it refuses an invalid configuration before opening a
 * socket, runs the embedded simulated carriers of a valid one, and stops cleanly on SIGTERM.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { bindEsme, testNumber } from '../helpers/esme.js';
import { tempFiles } from '../helpers/temp-files.js';
import { CLI, ROOT } from '../helpers/cli.js';

const files = tempFiles('cli-start');

const env: NodeJS.ProcessEnv = { ...process.env, MASKGATE_SIM_PW: 'simpw', MASKGATE_LOG_LEVEL: 'warn' };
delete env.MASKGATE_CONFIG;

test('start refuses an invalid configuration with exit 2 and the path of each problem', (t) => {
  const file = files.write('smpp:\n  windowSize: 0\nlogging:\n  levle: info\n');
  const result = spawnSync(process.execPath, [CLI, 'start', '--config', file], { cwd: ROOT, env, encoding: 'utf8' });
  t.is(result.status, 2);
  t.regex(result.stderr, /smpp\.windowSize: /);
  t.regex(result.stderr, /logging\.levle: unknown field "levle"; did you mean "level"\?/);
  t.notRegex(result.stdout, /listening/);
});

test('start runs the embedded simulated carriers and stops on SIGTERM with exit 0', async (t) => {
  const file = files.write(
    [
      'smpp:',
      '  tcp: { host: 127.0.0.1, port: 0 }',
      'http: { host: 127.0.0.1, port: 0 }',
      'simulator:',
      '  embedded: true',
      '  instances:',
      '    - name: carrier-one',
      '      port: 0',
      '      accounts:',
      '        - systemId: gw',
      '          passwordEnv: MASKGATE_SIM_PW',
      'keys:',
      '  masterKeyFile: ./master.key',
      '  createIfMissing: true',
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [CLI, 'start', '--config', file], { cwd: ROOT, env });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  child.stdout.setEncoding('utf8');
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const listening = new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`start exited with ${code} before listening: ${stderr}`)));
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const m = /carrier-one listening on smpp:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (m) resolve(Number(m[1]));
    });
  });
  const port = await listening;

  const esme = await bindEsme({ port, systemId: 'gw', password: 'simpw' });
  const resp = await esme.submit({ destination_addr: testNumber(), short_message: Buffer.from('hi') });
  t.is(resp.command_status, 0);
  await esme.close();

  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  t.is(code, 0);
});

test('start refuses a store made under another master key, with exit 2 and what to do', async (t) => {
  const store = `${files.dir}/wrong-key.db`;
  const file = files.write(['smpp:', '  tcp: { host: 127.0.0.1, port: 0 }', 'http: { enabled: false }', 'stores:', `  routing: { path: ${store} }`, `  contacts: { path: ${store}-contacts }`, 'keys:', '  masterKeyEnv: MASKGATE_TEST_KEY', ''].join('\n'));
  const keyA = Buffer.alloc(32, 1).toString('base64');
  const keyB = Buffer.alloc(32, 2).toString('base64');

  const first = spawn(process.execPath, [CLI, 'start', '--config', file], { cwd: ROOT, env: { ...env, MASKGATE_TEST_KEY: keyA } });
  t.teardown(() => first.kill('SIGKILL'));
  first.stdout.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    first.once('exit', (code) => reject(new Error(`the first start exited with ${code}`)));
    let out = '';
    first.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('Ctrl-C stops it.')) resolve();
    });
  });
  first.removeAllListeners('exit');
  first.kill('SIGTERM');
  t.is(((await once(first, 'exit')) as [number | null])[0], 0);

  const second = spawnSync(process.execPath, [CLI, 'start', '--config', file], { cwd: ROOT, env: { ...env, MASKGATE_TEST_KEY: keyB }, encoding: 'utf8' });
  t.is(second.status, 2);
  t.regex(second.stderr, /created with a different master key/);
  t.regex(second.stderr, /masterKeyFile\/masterKeyEnv/);
  t.notRegex(second.stderr, new RegExp(keyB.slice(0, 12).replace(/[+/]/g, '.')), 'the key never appears in the message');
});
