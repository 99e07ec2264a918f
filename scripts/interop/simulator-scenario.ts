/**
 * Scenario 2: Net::SMPP bound straight to our simulator (`maskgate simulator`), the SMSC
 * our own tests and integrators rely on: refused binds, then on each simulated carrier (one
 * writing message ids in hex, one in decimal) bind, submit_sm, the receipt with that id in
 * its text and TLVs, deliver_sm_resp, query_sm, unbind.
 */
import { body, destination, ESME_SYSTEM_ID, type Environment, SIM_DEC, SIM_HEX } from './environment.js';
import { checkQuery, checkReceiptAddresses, checkUnbind, expectBindRefused, receiptFor, submitForReceipt } from './esme-steps.js';
import type { Credentials } from './perl-esme.js';
import { expectStatus, num } from './perl-pdu.js';
import { checkReceipt } from './receipt-checks.js';
import type { Check } from './report.js';

const ID_FORMAT = {
  [SIM_HEX]: { pattern: /^[0-9a-f]+$/i, label: 'hex' },
  [SIM_DEC]: { pattern: /^\d+$/, label: 'decimal' },
} as const;

export function simulatorChecks(env: Environment): Check[] {
  const esme = env.esme('esme.pl (simulator)');
  const credsOf = async (instance: string): Promise<Credentials> => {
    const sim = await env.simulator();
    const port = sim.ports.get(instance);
    if (port === undefined) throw new Error(`the simulator runs no instance ${instance}`);
    return { port, systemId: ESME_SYSTEM_ID, password: sim.esmePassword };
  };

  const perInstance = (instance: typeof SIM_HEX | typeof SIM_DEC): Check[] => {
    const session = instance;
    const message = { to: destination('99890'), text: body() };
    const format = ID_FORMAT[instance];
    let messageId = '';
    return [
      {
        name: `${instance}: bind_transceiver accepted`,
        run: async () => expectStatus(await esme.bind(session, 'transceiver', await credsOf(instance)), 'bind_transceiver_resp', 0),
      },
      {
        name: `${instance}: submit_sm → status 0 and a ${format.label} message id`,
        run: async () => {
          messageId = await submitForReceipt(esme, session, message.to, message.text);
          if (!format.pattern.test(messageId)) throw new Error(`message id ${JSON.stringify(messageId)} is not ${format.label}`);
        },
      },
      {
        name: `${instance}: receipt with that id (esm_class 0x04, text and TLVs), answered with deliver_sm_resp`,
        run: async () => {
          const pdu = await receiptFor(esme, session, messageId);
          checkReceipt(pdu, { messageId, stat: 'DELIVRD', carries: 'text+tlv' });
          checkReceiptAddresses(pdu, message.to);
          await esme.respond(session, 'deliver_sm_resp', num(pdu, 'seq'));
        },
      },
      {
        name: `${instance}: query_sm returns DELIVERED with a final_date`,
        run: () => checkQuery(esme, session, messageId, 2),
      },
      {
        name: `${instance}: enquire_link and unbind answered`,
        run: async () => {
          expectStatus(await esme.enquireLink(session), 'enquire_link_resp', 0);
          await checkUnbind(esme, session);
        },
      },
    ];
  };

  return [
    {
      name: 'bind with a wrong password is refused with 0x0E (ESME_RINVPASWD)',
      run: async () => expectBindRefused(esme, { ...(await credsOf(SIM_HEX)), password: 'wrongpw1' }, 0x0e),
    },
    {
      name: 'bind with an unknown system_id is refused with 0x0F (ESME_RINVSYSID)',
      run: async () => expectBindRefused(esme, { ...(await credsOf(SIM_HEX)), systemId: 'nobody' }, 0x0f),
    },
    ...perInstance(SIM_HEX),
    ...perInstance(SIM_DEC),
  ];
}
