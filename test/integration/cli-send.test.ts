/**
 * The newcomer's path: a daemon whose accountSeeds created the client account, and
 * `maskgate send --wait-dlr` seeing its message accepted and its receipt come back.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { stringify } from 'yaml';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/loader.js';
import { startDaemon } from '../../src/main.js';
import { startSimulator } from '../../simulators/smsc.js';
import { quietLogger } from '../helpers/esme.js';
import { tempFiles } from '../helpers/temp-files.js';
import { CLI, ROOT } from '../helpers/cli.js';

const files = tempFiles('cli-send');

test('send --wait-dlr: accepted as the seeded account, the receipt comes back DELIVRD', async (t) => {
  const sim = await startSimulator({ port: 0, accounts: [{ systemId: 'gw', password: 'gwpass' }] });
  t.teardown(() => sim.close());
  const env: NodeJS.ProcessEnv = { ...process.env, SEND_TEST_KEY: randomBytes(32).toString('base64'), SEND_TEST_CARRIER: 'gwpass', SEND_TEST_CLIENT: 'cli123' };
  Object.assign(process.env, { SEND_TEST_KEY: env.SEND_TEST_KEY, SEND_TEST_CARRIER: 'gwpass', SEND_TEST_CLIENT: 'cli123' });
  const file = files.write(
    stringify({
      smpp: { tcp: { host: '127.0.0.1', port: 0 } },
      accountSeeds: [{ systemId: 'newcomer', passwordEnv: 'SEND_TEST_CLIENT' }],
      carriers: [{ name: 'alpha', host: '127.0.0.1', port: sim.port, systemId: 'gw', passwordEnv: 'SEND_TEST_CARRIER' }],
      routes: [{ name: 'all', failover: ['alpha'] }],
      stores: { routing: { path: path.join(files.dir, 'send.db') } },
      keys: { masterKeyEnv: 'SEND_TEST_KEY' },
      http: { enabled: false },
    }),
  );
  const daemon = await startDaemon(loadConfig(file), quietLogger);
  t.teardown(() => daemon.stop());
  t.truthy(daemon.accounts.get('newcomer'), 'the seed created the account');

  const child = spawn(process.execPath, [CLI, '--config', file, '--json', 'send', '--port', String(daemon.listener.port), '--to', '998901234567', '--text', 'Salom', '--wait-dlr'], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  t.is(code, 0, stderr);
  const result = JSON.parse(stdout.trim()) as { messageId: string; account: string; receipt: { stat: string; err: string } };
  t.regex(result.messageId, /^[0-9a-f]{16}$/);
  t.is(result.account, 'newcomer');
  t.deepEqual(result.receipt, { stat: 'DELIVRD', err: '000' });
  t.is(daemon.gateway.status(result.messageId)?.state, 'DELIVERED');
  t.is(sim.messages.list(10)[0]?.destination_addr, '998901234567');
});

test('send refuses what it cannot send, with exit 2 and the fix', async (t) => {
  for (const [args, message] of [
    [['--to', '12', '--text', 'x'], /--to must be a phone number/],
    [['--to', '998901234567', '--text', 'x'.repeat(161)], /more than one SMS/],
  ] as const) {
    const child = spawn(process.execPath, [CLI, 'send', ...args], { cwd: ROOT, env: process.env });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    t.is(code, 2);
    t.regex(stderr, message);
  }
});
