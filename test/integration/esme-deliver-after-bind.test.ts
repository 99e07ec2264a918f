/**
 * An SMSC that holds something for us (receipts, MO) writes the deliver_sm right behind the
 * bind_resp, so both arrive in one read. The session must already be bound when it decodes
 * the deliver_sm, and hand it to its owner rather than answer 0x04 itself.
 */
import test from 'ava';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { connectSession } from '../../src/smpp/client.js';
import { decodePdu, encodePdu, type Pdu } from '../../src/smpp/codec.js';
import { PduFramer } from '../../src/smpp/framer.js';
import { STATUS } from '../../src/smpp/status.js';
import { testNumber } from '../helpers/esme.js';
import { sessionOptions } from '../helpers/sim-session.js';

test('a deliver_sm in the same read as the bind_resp reaches the owner', async (t) => {
  let answer: (pdu: Pdu) => void = () => undefined;
  const deliverResp = new Promise<Pdu>((resolve) => (answer = resolve));
  const server = net.createServer((socket) => {
    const framer = new PduFramer(65_536);
    socket.on('data', (chunk: Buffer) => {
      framer.push(chunk);
      for (let f = framer.next(); f?.kind === 'pdu'; f = framer.next()) {
        const pdu = decodePdu(f.bytes);
        if (pdu.command === 'bind_receiver') {
          // One write: the receipt owed to this account follows its bind_resp at once.
          socket.write(
            Buffer.concat([
              encodePdu('bind_receiver_resp', pdu.sequence_number, { system_id: 'smsc' }),
              encodePdu('deliver_sm', 1, { source_addr: testNumber(), destination_addr: 'ACME', esm_class: 0x04, short_message: Buffer.from('id:1 stat:DELIVRD') }),
            ]),
          );
        } else if (pdu.command === 'deliver_sm_resp') {
          answer(pdu);
        }
      }
    });
  });
  t.teardown(() => server.close());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const session = await connectSession({ host: '127.0.0.1', port, connectTimeoutMs: 5_000, session: sessionOptions() });
  t.teardown(() => session.destroy('local'));
  const seen: string[] = [];
  session.on('request', (pdu) => {
    seen.push(pdu.command);
    session.respond(pdu, { message_id: '' });
  });
  await session.bind('receiver', { system_id: 'test', password: 'secret' });

  const resp = await deliverResp;
  t.is(resp.command_status, STATUS.ESME_ROK, `the session answered ${resp.command_status} itself`);
  t.deepEqual(seen, ['deliver_sm']);
});
