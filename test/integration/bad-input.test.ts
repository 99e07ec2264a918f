/**
 * Bad input costs only the offending session: each abuse below is answered with the status
 * a client expects (or the connection is closed), while a well-behaved bind on the same
 * simulator keeps submitting and receiving receipts throughout.
 */
import test from 'ava';
import { startSimulator } from '../../simulators/smsc.js';
import { bindEsme, testNumber } from '../helpers/esme.js';
import { RawSmpp } from '../helpers/raw-smpp.js';
import { FATAL_INPUTS, HALF_HEADER, OVERRUNNING_TLV, UNKNOWN_COMMAND } from '../helpers/abusive-input.js';
import { encodePdu } from '../../src/smpp/codec.js';
import { STATUS } from '../../src/smpp/status.js';

test('abusive sessions get their status or are closed; a good bind keeps working', async (t) => {
  const sim = await startSimulator({ port: 0 });
  t.teardown(() => sim.close());
  const good = await bindEsme({ port: sim.port });
  t.teardown(() => good.close());
  const healthy = async () => {
    const resp = await good.submit({ source_addr: 'ACME', destination_addr: testNumber(), registered_delivery: 1, short_message: Buffer.from('still here') });
    t.is(resp.command_status, STATUS.ESME_ROK);
    const [dlr] = await good.nextDelivers(1);
    t.is(dlr!.receipted_message_id, resp.message_id);
  };
  await healthy();

  // Fatal framing: generic_nack 0x02 carrying the header's sequence number, then close.
  for (const { what, bytes, sequence } of FATAL_INPUTS) {
    const raw = await RawSmpp.connect(sim.port);
    raw.writeRaw(bytes);
    const nack = await raw.next();
    t.is(nack.command, 'generic_nack', what);
    t.is(nack.command_status, STATUS.ESME_RINVCMDLEN, what);
    t.is(nack.sequence_number, sequence, what);
    await raw.closed;
    await healthy();
  }

  // Recoverable: answered, and the same connection goes on.
  const raw = await RawSmpp.connect(sim.port);
  t.teardown(() => raw.close());
  const beforeBind = await raw.request('submit_sm', { destination_addr: testNumber(), short_message: Buffer.from('x') });
  t.is(beforeBind.command, 'submit_sm_resp');
  t.is(beforeBind.command_status, STATUS.ESME_RINVBNDSTS);

  raw.writeRaw(UNKNOWN_COMMAND.bytes);
  const unknown = await raw.next();
  t.is(unknown.command, 'generic_nack');
  t.is(unknown.command_status, STATUS.ESME_RINVCMDID);
  t.is(unknown.sequence_number, UNKNOWN_COMMAND.sequence);

  const bound = await raw.request('bind_transceiver', { system_id: 'test', password: 'secret' });
  t.is(bound.command_status, STATUS.ESME_ROK);
  // A TLV whose length runs past the PDU: the command's own response with a TLV status.
  const submit = encodePdu('submit_sm', 0x41, { destination_addr: testNumber(), short_message: Buffer.from('x') });
  const broken = Buffer.concat([submit, OVERRUNNING_TLV]);
  broken.writeUInt32BE(broken.length, 0);
  raw.writeRaw(broken);
  const tlvResp = await raw.next();
  t.is(tlvResp.command, 'submit_sm_resp');
  t.is(tlvResp.sequence_number, 0x41);
  t.is(tlvResp.command_status, STATUS.ESME_RINVTLVSTREAM);
  t.is((await raw.request('enquire_link')).command, 'enquire_link_resp', 'the session survived all of it');

  // Half a header, then the peer vanishes: nothing to answer, nothing breaks.
  const half = await RawSmpp.connect(sim.port);
  half.writeRaw(HALF_HEADER);
  half.close();
  await half.closed;
  await healthy();
});
