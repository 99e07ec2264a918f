/**
 * Scenario 3: our carrier side against Net::SMPP's server side. A second gateway has one
 * carrier, the Perl SMSC (smsc.pl); the Perl ESME is its client, so the message crosses the
 * gateway between two implementations we did not write. The gateway must bind, send the
 * client's message as a submit_sm with the same destination and body, match the SMSC's
 * receipts (one in the Appendix B text only, one in TLVs only) back to its own message id,
 * answer them, keep the bind alive with enquire_link, and unbind on SIGTERM.
 */
import { body, CARRIER_SYSTEM_ID, destination, ESME_SYSTEM_ID, type Environment, SENDER } from './environment.js';
import { describeExit } from './children.js';
import { checkQuery, checkReceiptAddresses, checkUnbind, receiptFor, submitForReceipt } from './esme-steps.js';
import { gatewayConfig, newPassword, startGatewayProcess, type RunningGateway } from './maskgate-processes.js';
import type { Credentials } from './perl-esme.js';
import { expectStatus, num, octets, str } from './perl-pdu.js';
import { PerlSmsc, type ReceiptMode } from './perl-smsc.js';
import { checkReceipt } from './receipt-checks.js';
import { need, type Check } from './report.js';

const CARRIER = 'perl-smsc';
/** Short, so that the run sees the gateway's enquire_link and Net::SMPP's answer to it. */
const ENQUIRE_LINK_INTERVAL_MS = 1_000;
const BIND_TIMEOUT_MS = 15_000;
/** The gateway drains for up to 10 s on SIGTERM, then unbinds. */
const STOP_GRACE_MS = 25_000;

interface Relayed {
  to: string;
  text: string;
  /** Our id, from the gateway's submit_sm_resp to the client. */
  gatewayId: string;
  /** The Perl SMSC's id, from its submit_sm_resp to the gateway. */
  smscId: string;
}

export function carrierChecks(env: Environment): Check[] {
  const esme = env.esme('esme.pl (carrier)');
  const carrierPassword = newPassword();
  const clientPassword = newPassword();
  let smsc: PerlSmsc | undefined;
  let gateway: RunningGateway | undefined;
  let creds: Credentials | undefined;
  const relayed: Relayed[] = [];

  /** Client → gateway → SMSC: submits, and checks the submit_sm the SMSC received. */
  const relay = async (): Promise<Relayed> => {
    const to = destination('99890');
    const text = body();
    const gatewayId = await submitForReceipt(esme, 'trx', to, text);
    const got = await need(smsc).waitFor('submit_sm for the client message', 15_000, (e) => e.pdu?.command === 'submit_sm' && str(e.pdu, 'destination_addr') === to);
    const pdu = need(got.pdu);
    const problems: string[] = [];
    if (octets(pdu, 'short_message')?.toString('latin1') !== text) problems.push(`short_message is not the submitted body (data_coding ${num(pdu, 'data_coding')}, ${octets(pdu, 'short_message')?.length ?? 0} octets)`);
    if (str(pdu, 'source_addr') !== SENDER.source_addr || num(pdu, 'source_addr_ton') !== SENDER.source_addr_ton) problems.push(`source is ${str(pdu, 'source_addr')} TON ${num(pdu, 'source_addr_ton')}, expected ${SENDER.source_addr} TON ${SENDER.source_addr_ton}`);
    if (num(pdu, 'dest_addr_ton') !== 1) problems.push(`dest_addr_ton is ${num(pdu, 'dest_addr_ton')}, expected 1 (international)`);
    if ((num(pdu, 'registered_delivery') & 0x03) !== 1) problems.push(`registered_delivery is ${num(pdu, 'registered_delivery')}: no receipt requested from the carrier`);
    if ((num(pdu, 'esm_class') & 0x40) !== 0) problems.push('esm_class has UDHI set for a one-part message');
    if (problems.length > 0) throw new Error(`submit_sm at the SMSC: ${problems.join('; ')}`);
    const smscId = need(got.message_id);
    if (smscId === gatewayId) throw new Error('the gateway handed the client the carrier’s message id instead of its own');
    return { to, text, gatewayId, smscId };
  };

  /** SMSC receipt → gateway → client, carrying our id; the gateway answers the SMSC. */
  const receiptBack = async (m: Relayed, mode: ReceiptMode, stat: 'DELIVRD' | 'UNDELIV'): Promise<void> => {
    const sent = await need(smsc).sendReceipt(m.smscId, mode, stat);
    const pdu = await receiptFor(esme, 'trx', m.gatewayId);
    checkReceipt(pdu, { messageId: m.gatewayId, stat, carries: 'text+tlv', emptyText: true });
    checkReceiptAddresses(pdu, m.to);
    await esme.respond('trx', 'deliver_sm_resp', num(pdu, 'seq'));
    const resp = await need(smsc).waitFor('deliver_sm_resp from the gateway', 10_000, (e) => e.pdu?.command === 'deliver_sm_resp' && num(e.pdu, 'seq') === Number(sent.seq) && e.conn === sent.conn);
    expectStatus(need(resp.pdu), 'deliver_sm_resp', 0);
    // §4.6.2: deliver_sm_resp carries message_id, "unused, set to NULL": one NUL octet.
    if (resp.pdu!.body_hex !== '00') throw new Error(`deliver_sm_resp body is ${JSON.stringify(resp.pdu!.body_hex)} (hex), expected 00 (message_id NULL, §4.6.2)`);
  };

  return [
    {
      name: 'Net::SMPP SMSC listens (smsc.pl)',
      run: async () => {
        smsc = env.track(await PerlSmsc.start(env.children, { systemId: CARRIER_SYSTEM_ID, password: carrierPassword }));
      },
    },
    {
      name: 'gateway starts with the Net::SMPP SMSC as its only carrier',
      run: async () => {
        env.ws.write('perl-carrier.password', carrierPassword);
        env.ws.write('client-b.password', clientPassword);
        const carrier = {
          name: CARRIER,
          host: '127.0.0.1',
          port: need(smsc).port,
          systemId: CARRIER_SYSTEM_ID,
          passwordFile: 'perl-carrier.password',
          bindMode: 'transceiver',
          binds: 1,
          dlrIdFormat: 'hex',
          enquireLinkIntervalMs: ENQUIRE_LINK_INTERVAL_MS,
          reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
        };
        const config = gatewayConfig([carrier], [{ name: 'all', failover: [CARRIER] }], 'gateway-b', { systemId: ESME_SYSTEM_ID, passwordFile: 'client-b.password' });
        gateway = await startGatewayProcess(env.children, env.ws, 'gateway-b', config);
        creds = { port: gateway.port, systemId: ESME_SYSTEM_ID, password: clientPassword };
      },
    },
    {
      name: 'gateway binds to the SMSC (bind_transceiver, its system_id and password, interface_version 0x34)',
      run: async () => {
        const e = await need(smsc).waitFor('bind_transceiver', BIND_TIMEOUT_MS, (ev) => ev.pdu?.command === 'bind_transceiver');
        const pdu = need(e.pdu);
        if (Number(e.answered) !== 0) throw new Error(`the SMSC refused the bind with status ${String(e.answered)} (system_id ${JSON.stringify(str(pdu, 'system_id'))})`);
        if (num(pdu, 'interface_version') !== 0x34) throw new Error(`interface_version is ${num(pdu, 'interface_version')}, expected 0x34 (52)`);
      },
    },
    {
      name: 'client binds to the gateway (bind_transceiver)',
      run: async () => expectStatus(await esme.bind('trx', 'transceiver', need(creds)), 'bind_transceiver_resp', 0),
    },
    {
      name: 'client message reaches the SMSC as submit_sm with the same destination, body and sender',
      run: async () => void relayed.push(await relay()),
    },
    {
      name: 'text-only receipt (stat:DELIVRD) from the SMSC reaches the client with the gateway’s id; the gateway answers deliver_sm_resp',
      run: () => receiptBack(need(relayed[0]), 'text', 'DELIVRD'),
    },
    {
      name: 'TLV-only receipt (message_state UNDELIVERABLE) reaches the client as stat:UNDELIV with the gateway’s id',
      run: async () => {
        relayed.push(await relay());
        await receiptBack(need(relayed[1]), 'tlv', 'UNDELIV');
      },
    },
    {
      name: 'query_sm through the gateway: DELIVERED for the first message, UNDELIVERABLE for the second',
      run: async () => {
        await checkQuery(esme, 'trx', need(relayed[0]).gatewayId, 2);
        await checkQuery(esme, 'trx', need(relayed[1]).gatewayId, 5);
      },
    },
    {
      name: 'client unbinds',
      run: () => checkUnbind(esme, 'trx'),
    },
    {
      name: 'the carrier bind stayed up: the gateway’s enquire_link answered by Net::SMPP, one connection, no reconnect',
      run: async () => {
        await need(smsc).waitFor('enquire_link from the gateway', ENQUIRE_LINK_INTERVAL_MS * 5, (e) => e.pdu?.command === 'enquire_link');
        const connections = need(smsc).events.filter((e) => e.event === 'connected').length;
        const closed = need(smsc).events.filter((e) => e.event === 'closed');
        if (connections !== 1 || closed.length > 0) throw new Error(`the gateway connected ${connections} times; closes: ${closed.map((c) => c.reason).join(', ') || 'none'}`);
      },
    },
    {
      name: 'the SMSC’s own enquire_link is answered by the gateway (enquire_link_resp 0)',
      run: async () => {
        const resp = await need(smsc).request(need(need(smsc).boundConn()), 'enquire_link', 5_000);
        expectStatus(resp, 'enquire_link_resp', 0);
      },
    },
    {
      name: 'an unbind from the SMSC is answered (unbind_resp 0), the link closes, and the gateway binds again',
      run: async () => {
        const conn = need(need(smsc).boundConn());
        const since = need(smsc).events.length;
        expectStatus(await need(smsc).request(conn, 'unbind', 5_000), 'unbind_resp', 0);
        await need(smsc).waitFor(`close of connection ${conn}`, 5_000, (e) => e.event === 'closed' && e.conn === conn, since);
        const rebind = await need(smsc).waitFor('a new bind_transceiver', BIND_TIMEOUT_MS, (e) => e.pdu?.command === 'bind_transceiver' && e.conn !== conn, since);
        if (Number(rebind.answered) !== 0) throw new Error(`the SMSC refused the new bind with status ${String(rebind.answered)}`);
      },
    },
    {
      name: 'every PDU the gateway sent the SMSC is well framed (mandatory fields + whole TLVs = command_length)',
      run: async () => {
        const bad = need(smsc).misframed;
        if (bad.length > 0) throw new Error(bad.join('\n    '));
      },
    },
    {
      name: 'on SIGTERM the gateway unbinds from the SMSC and exits 0',
      run: async () => {
        const since = need(smsc).events.length;
        const exit = await need(gateway).child.stop(STOP_GRACE_MS);
        if (exit.code !== 0) throw new Error(`the gateway ended with ${describeExit(exit)}${need(gateway).child.tailForReport()}`);
        await need(smsc).waitFor('unbind from the gateway', 5_000, (e) => e.pdu?.command === 'unbind', since);
      },
    },
  ];
}
