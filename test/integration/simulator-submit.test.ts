import test from 'ava';
import { startSimulator } from '../../simulators/smsc.js';
import { bindEsme, testNumber } from '../helpers/esme.js';
import { STATUS } from '../../src/smpp/status.js';

const RECEIPT = /^id:(\S+) sub:001 dlvrd:(\d{3}) submit date:\d{10} done date:\d{10} stat:(\w+) err:(\d{3}) text:(.*)$/;

for (const mode of ['text+tlv', 'text', 'tlv'] as const) {
  test(`submit → resp → DLR with the receipt in ${mode}`, async (t) => {
    const sim = await startSimulator({ port: 0, behaviour: { dlr: { mode } } });
    t.teardown(() => sim.close());
    const esme = await bindEsme({ port: sim.port });
    t.teardown(() => esme.close());

    const to = testNumber();
    const resp = await esme.submit({ source_addr: 'ACME', destination_addr: to, registered_delivery: 1, short_message: Buffer.from('hello there') });
    t.is(resp.command_status, STATUS.ESME_ROK);
    const messageId = String(resp.message_id);
    t.regex(messageId, /^[0-9A-F]+$/);

    const [dlr] = await esme.nextDelivers(1);
    t.is(dlr!.esm_class, 0x04);
    t.is(dlr!.source_addr, to, 'the receipt comes from the destination');
    t.is(dlr!.destination_addr, 'ACME');
    const text = (dlr!.short_message as Buffer).toString('latin1');
    if (mode === 'tlv') {
      t.is(text, '');
    } else {
      const m = RECEIPT.exec(text);
      t.truthy(m, text);
      t.is(m![1], messageId);
      t.is(m![2], '001');
      t.is(m![3], 'DELIVRD');
      t.is(m![4], '000');
      t.is(m![5], 'hello there');
    }
    if (mode === 'text') {
      t.is(dlr!.receipted_message_id, undefined);
    } else {
      t.is(dlr!.receipted_message_id, messageId);
      t.is(dlr!.message_state, 2);
      t.deepEqual(dlr!.network_error_code, Buffer.from([3, 0, 0]));
    }
    t.is(sim.counters.dlrsQueued, 1);
  });
}
