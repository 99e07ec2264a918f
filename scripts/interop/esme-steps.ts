/**
 * SMPP steps the scenarios share, each done by the Perl ESME and checked here: submit with
 * a receipt requested, wait for that receipt, query_sm, unbind, a refused bind.
 */
import { SENDER } from './environment.js';
import type { Credentials, PerlEsme } from './perl-esme.js';
import { expectStatus, num, str, type PerlPdu } from './perl-pdu.js';
import { receiptId } from './receipt-checks.js';

/** A receipt crosses the gateway, the carrier and back; generous for a loaded 2-core machine. */
export const RECEIPT_TIMEOUT_MS = 30_000;
/** SMPP 3.4 §7.1.1 absolute time: YYMMDDhhmmss, tenths, quarter hours from UTC, +/-. */
const SMPP_ABSOLUTE_TIME = /^\d{12}\d\d\d[+-]$/;
const ESME_ROK = 0;

/** Reads receipts on `session` until the one for `messageId` (answering any other), within the timeout. */
export async function receiptFor(esme: PerlEsme, session: string, messageId: string): Promise<PerlPdu> {
  const deadline = Date.now() + RECEIPT_TIMEOUT_MS;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no receipt for ${messageId} on ${session} within ${RECEIPT_TIMEOUT_MS} ms`);
    const pdu = await esme.read(session, left);
    if (pdu.command === 'deliver_sm' && receiptId(pdu) === messageId) return pdu;
    // Not ours (a receipt of an earlier message): answer it so the gateway does not resend it.
    if (pdu.command === 'deliver_sm') await esme.respond(session, 'deliver_sm_resp', num(pdu, 'seq'));
  }
}

/** submit_sm with a receipt requested; returns the message id after checking the response. */
export async function submitForReceipt(esme: PerlEsme, session: string, to: string, text: string): Promise<string> {
  const resp = await esme.submit(session, { ...SENDER, destination_addr: to, dest_addr_ton: 1, dest_addr_npi: 1, short_message: text, registered_delivery: 1 });
  expectStatus(resp, 'submit_sm_resp', ESME_ROK);
  const id = str(resp, 'message_id') ?? '';
  if (id === '' || id.length > 64) throw new Error(`submit_sm_resp message_id ${JSON.stringify(id)} is not a message id (1 to 64 characters, §5.2.23)`);
  return id;
}

/** The receipt travels back: from the message's destination to its sender. */
export function checkReceiptAddresses(pdu: PerlPdu, to: string): void {
  if (str(pdu, 'destination_addr') !== SENDER.source_addr) throw new Error(`receipt destination_addr is not the submit's source_addr ${SENDER.source_addr}`);
  if (str(pdu, 'source_addr') !== to) throw new Error("receipt source_addr is not the submit's destination_addr");
}

/** query_sm: the message is known, final, in `state` (§5.2.28), with a final_date (§4.8.2). */
export async function checkQuery(esme: PerlEsme, session: string, messageId: string, state: number): Promise<void> {
  const resp = await esme.query(session, { message_id: messageId, ...SENDER });
  expectStatus(resp, 'query_sm_resp', ESME_ROK);
  if (str(resp, 'message_id') !== messageId) throw new Error(`query_sm_resp message_id is ${JSON.stringify(str(resp, 'message_id'))}, expected ${messageId}`);
  if (num(resp, 'message_state') !== state) throw new Error(`query_sm_resp message_state is ${num(resp, 'message_state')}, expected ${state}`);
  const finalDate = str(resp, 'final_date') ?? '';
  if (!SMPP_ABSOLUTE_TIME.test(finalDate)) throw new Error(`query_sm_resp final_date ${JSON.stringify(finalDate)} is not an SMPP absolute time (YYMMDDhhmmsstnnp)`);
}

/** unbind is answered with status 0, then the gateway closes the connection (§4.2). */
export async function checkUnbind(esme: PerlEsme, session: string): Promise<void> {
  const { pdu, closedAfter } = await esme.unbind(session);
  expectStatus(pdu, 'unbind_resp', ESME_ROK);
  if (!closedAfter) throw new Error('unbind_resp came, but the connection stayed open');
}

export async function expectBindRefused(esme: PerlEsme, to: Credentials, status: number): Promise<void> {
  const resp = await esme.bind('refused', 'transceiver', to);
  expectStatus(resp, 'bind_transceiver_resp', status);
}
