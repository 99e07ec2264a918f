/**
 * Scenario 1: Net::SMPP as a client of the real daemon (`maskgate start`), whose carriers
 * are the simulated ones. Binds (accepted and refused), enquire_link, submit_sm with a
 * receipt requested, the receipt as deliver_sm, deliver_sm_resp, query_sm, an unknown
 * command, unbind; then a transmitter and a receiver bound as two sessions, the receipt of
 * a message submitted on one arriving on the other.
 */
import { body, CARRIER_SYSTEM_ID, destination, ESME_SYSTEM_ID, type Environment, SENDER, SIM_DEC, SIM_HEX } from './environment.js';
import { checkQuery, checkReceiptAddresses, checkUnbind, expectBindRefused, receiptFor, submitForReceipt } from './esme-steps.js';
import { gatewayConfig, newPassword, startGatewayProcess, type RunningGateway } from './maskgate-processes.js';
import type { Credentials } from './perl-esme.js';
import { expectStatus, hex, num, octets, str } from './perl-pdu.js';
import { checkReceipt, receiptId } from './receipt-checks.js';
import { need, type Check } from './report.js';

const STATUS = { ROK: 0, RINVBNDSTS: 0x04, RINVCMDID: 0x03, RINVPASWD: 0x0e, RINVSYSID: 0x0f } as const;
/** The gateway retries an unanswered or refused receipt after 1 s; wait past that once. */
const REDELIVERY_WATCH_MS = 2_500;

export function gatewayChecks(env: Environment): Check[] {
  const esme = env.esme('esme.pl (gateway)');
  const clientPassword = newPassword();
  const trxMessage = { to: destination('99890'), text: body() };
  const txrxMessage = { to: destination('99893'), text: body() };
  let gateway: RunningGateway | undefined;
  let creds: Credentials | undefined;
  let messageId = '';
  let receiptSeq = 0;

  return [
    {
      name: 'simulated carriers start (maskgate simulator, hex and decimal ids)',
      run: async () => void (await env.simulator()),
    },
    {
      name: 'gateway starts (maskgate start, carriers = the simulated ones)',
      run: async () => {
        const sim = await env.simulator();
        env.ws.write('client.password', clientPassword);
        const carrier = (name: string, dlrIdFormat: string) => ({
          name,
          host: '127.0.0.1',
          port: need(sim.ports.get(name)),
          systemId: CARRIER_SYSTEM_ID,
          passwordFile: sim.carrierPasswordFile,
          dlrIdFormat,
          throughputMsgPerSec: 100,
          reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
        });
        const routes = [
          { name: 'to-hex', match: { destinationPrefixes: ['99890'] }, failover: [SIM_HEX] },
          { name: 'to-dec', match: { destinationPrefixes: ['99893'] }, failover: [SIM_DEC] },
        ];
        const config = gatewayConfig([carrier(SIM_HEX, 'hex'), carrier(SIM_DEC, 'decimal')], routes, 'gateway-a', {
          systemId: ESME_SYSTEM_ID,
          passwordFile: 'client.password',
        });
        gateway = await startGatewayProcess(env.children, env.ws, 'gateway-a', config);
        creds = { port: gateway.port, systemId: ESME_SYSTEM_ID, password: clientPassword };
      },
    },
    {
      name: 'bind with a wrong password is refused with 0x0E (ESME_RINVPASWD)',
      run: () => expectBindRefused(esme, { ...need(creds), password: 'wrongpw1' }, STATUS.RINVPASWD),
    },
    {
      name: 'bind with an unknown system_id is refused with 0x0F (ESME_RINVSYSID)',
      run: () => expectBindRefused(esme, { ...need(creds), systemId: 'nobody' }, STATUS.RINVSYSID),
    },
    {
      name: 'bind_transceiver accepted',
      run: async () => {
        const resp = await esme.bind('trx', 'transceiver', need(creds));
        expectStatus(resp, 'bind_transceiver_resp', STATUS.ROK);
        if (!str(resp, 'system_id')) throw new Error('bind_transceiver_resp has an empty system_id');
      },
    },
    {
      name: 'enquire_link answered',
      run: async () => expectStatus(await esme.enquireLink('trx'), 'enquire_link_resp', STATUS.ROK),
    },
    {
      name: 'submit_sm (registered_delivery=1) → status 0 and a message id',
      run: async () => {
        messageId = await submitForReceipt(esme, 'trx', trxMessage.to, trxMessage.text);
      },
    },
    {
      name: 'receipt as deliver_sm: esm_class 0x04, receipted_message_id = our id, message_state, Appendix B text',
      run: async () => {
        const pdu = await receiptFor(esme, 'trx', messageId);
        checkReceipt(pdu, { messageId, stat: 'DELIVRD', carries: 'text+tlv', emptyText: true });
        checkReceiptAddresses(pdu, trxMessage.to);
        receiptSeq = num(pdu, 'seq');
      },
    },
    {
      name: 'deliver_sm_resp taken: the receipt is not sent again',
      run: async () => {
        await esme.respond('trx', 'deliver_sm_resp', receiptSeq);
        const again = await esme.read('trx', REDELIVERY_WATCH_MS).catch((err: Error) => (/timed out/.test(err.message) ? undefined : Promise.reject(err)));
        if (again) throw new Error(`after deliver_sm_resp the gateway sent ${again.command}${again.command === 'deliver_sm' ? ` for ${receiptId(again)}` : ''}`);
      },
    },
    {
      name: 'query_sm returns the final state (DELIVERED, final_date set)',
      run: () => checkQuery(esme, 'trx', messageId, 2),
    },
    {
      name: 'an unknown command_id is answered with generic_nack 0x03',
      run: async () => expectStatus(await esme.unknownCommand('trx', 0x00000077), 'generic_nack', STATUS.RINVCMDID),
    },
    {
      name: 'unbind answered, then the connection closes',
      run: () => checkUnbind(esme, 'trx'),
    },
    {
      name: 'bind_transmitter and bind_receiver as two sessions',
      run: async () => {
        expectStatus(await esme.bind('tx', 'transmitter', need(creds)), 'bind_transmitter_resp', STATUS.ROK);
        expectStatus(await esme.bind('rx', 'receiver', need(creds)), 'bind_receiver_resp', STATUS.ROK);
      },
    },
    {
      name: 'submit_sm on the receiver session is refused with 0x04 (ESME_RINVBNDSTS)',
      run: async () => {
        const resp = await esme.submit('rx', { ...SENDER, destination_addr: txrxMessage.to, dest_addr_ton: 1, dest_addr_npi: 1, short_message: txrxMessage.text });
        if (num(resp, 'status') !== STATUS.RINVBNDSTS) throw new Error(`${resp.command} has status ${hex(num(resp, 'status'), 8)}, expected 0x00000004`);
      },
    },
    {
      name: 'submit on the transmitter (decimal-id carrier) → its receipt arrives on the receiver',
      run: async () => {
        const id = await submitForReceipt(esme, 'tx', txrxMessage.to, txrxMessage.text);
        const pdu = await receiptFor(esme, 'rx', id);
        checkReceipt(pdu, { messageId: id, stat: 'DELIVRD', carries: 'text+tlv', emptyText: true });
        checkReceiptAddresses(pdu, txrxMessage.to);
        if (octets(pdu, 'short_message')?.includes(txrxMessage.text)) throw new Error('the receipt echoes the message body');
        await esme.respond('rx', 'deliver_sm_resp', num(pdu, 'seq'));
      },
    },
    {
      name: 'transmitter and receiver unbind',
      run: async () => {
        await checkUnbind(esme, 'tx');
        await checkUnbind(esme, 'rx');
      },
    },
  ];
}
