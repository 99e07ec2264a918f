/**
 * A client we did not write binds to the simulator and gets its receipt: the `smpp`
 * package's own Session (its framing, encoder and decoder, none of ours). A shared
 * misreading between our codec and the simulator would not pass here.
 */
import test from 'ava';
import smpp from 'smpp';
import { startSimulator } from '../../simulators/smsc.js';
import { testNumber } from '../helpers/esme.js';

interface ForeignPdu {
  command: string;
  command_status: number;
  message_id?: string;
  esm_class?: number;
  short_message?: { message?: string | Buffer };
  receipted_message_id?: string;
  message_state?: number;
  response(): unknown;
}

interface ForeignSession {
  on(event: string, fn: (pdu: ForeignPdu) => void): void;
  bind_transceiver(fields: object, cb: (pdu: ForeignPdu) => void): void;
  submit_sm(fields: object, cb: (pdu: ForeignPdu) => void): void;
  send(pdu: unknown): void;
  close(): void;
  destroy(): void;
}

const foreign = smpp as unknown as { connect(opts: { host: string; port: number }): ForeignSession };

test('the smpp package as a foreign ESME binds, submits and receives the receipt', async (t) => {
  const sim = await startSimulator({ port: 0, behaviour: { messageIdFormat: 'decimal' } });
  t.teardown(() => sim.close());
  const session = foreign.connect({ host: '127.0.0.1', port: sim.port });
  t.teardown(() => session.destroy());
  const errors: unknown[] = [];
  session.on('error', (e) => errors.push(e));

  const receipt = new Promise<ForeignPdu>((resolve) =>
    session.on('deliver_sm', (pdu) => {
      session.send(pdu.response());
      resolve(pdu);
    }),
  );
  const bound = await new Promise<ForeignPdu>((resolve) => session.bind_transceiver({ system_id: 'test', password: 'secret' }, resolve));
  t.is(bound.command_status, 0);

  const resp = await new Promise<ForeignPdu>((resolve) =>
    session.submit_sm({ source_addr: '12345', destination_addr: testNumber(), registered_delivery: 1, short_message: 'interop check' }, resolve),
  );
  t.is(resp.command_status, 0);
  t.regex(String(resp.message_id), /^\d+$/);

  const dlr = await receipt;
  t.is(dlr.esm_class, 0x04);
  t.is(dlr.receipted_message_id, resp.message_id);
  t.is(dlr.message_state, 2);
  t.regex(String(dlr.short_message?.message), new RegExp(`^id:${resp.message_id} sub:001 dlvrd:001 .* stat:DELIVRD err:000 text:interop check$`));
  t.deepEqual(errors, []);
});
