import test from 'ava';
import { EventEmitter } from 'node:events';
import { loadConfig } from '../../src/config/loader.js';
import type { MessageState, NewMessage } from '../../src/messages/types.js';
import { STATUS } from '../../src/smpp/status.js';
import { startClientListener } from '../../src/upstream/client-listener.js';
import { testDirectory } from '../helpers/clients.js';
import { bindEsme, quietLogger, testNumber } from '../helpers/esme.js';
import { tempFiles } from '../helpers/temp-files.js';

const files = tempFiles('client-backpressure');

/** A gateway whose store commits only when the test says so. */
function slowGateway() {
  const waiting: { message: NewMessage; commit: (id: string) => void }[] = [];
  const gateway = {
    enqueue: (message: NewMessage) => new Promise<string>((resolve) => waiting.push({ message, commit: resolve })),
    status: () => undefined,
    store: { events: new EventEmitter<{ final: [id: string, state: MessageState] }>(), cancelQueued: () => Promise.resolve(false) },
  };
  return { gateway, waiting };
}

test('a session with windowSize enqueues waiting for the store stops reading until they commit', async (t) => {
  const config = loadConfig(files.write('smpp:\n  tcp: { host: 127.0.0.1, port: 0 }\n  windowSize: 2\nkeys:\n  masterKeyEnv: UNUSED_IN_THIS_TEST\n'));
  const { gateway, waiting } = slowGateway();
  const listener = await startClientListener({ config, gateway, directory: testDirectory([{ systemId: 'acme', password: 'pw' }]), logger: quietLogger });
  t.teardown(() => listener.close());
  const esme = await bindEsme({ port: listener.port, systemId: 'acme', password: 'pw', mode: 'transmitter' });
  t.teardown(() => esme.close());

  const resps = Array.from({ length: 5 }, () => esme.submit({ source_addr: '12345', destination_addr: testNumber(), short_message: Buffer.from('hi') }));
  while (waiting.length < 2) await new Promise((r) => setTimeout(r, 10));
  const [server] = [...listener.sessions];
  t.true(server?.readingPaused);
  // Paused with two waiting: the other three stay unread, however long the store takes.
  await new Promise((r) => setImmediate(r));
  t.is(waiting.length, 2);

  let n = 0;
  while (n < 5) {
    if (waiting.length > n) waiting[n]!.commit(`id-${n++}`);
    else await new Promise((r) => setTimeout(r, 10));
  }
  const answered = await Promise.all(resps);
  t.deepEqual(answered.map((r) => [r.command_status, r.message_id]), [0, 1, 2, 3, 4].map((i) => [STATUS.ESME_ROK, `id-${i}`]));
  t.false(server?.readingPaused);
});
