/**
 * Where a carrier's deliver_sm enters the gateway: a receipt or an MO. Either is recorded
 * durably before the carrier is answered, so a crash before the commit makes the carrier
 * send it again (at-least-once); a store failure is answered ESME_RX_T_APPN, a temporary
 * error, for the same reason.
 *
 * - A receipt (text or TLVs) is keyed by the carrier's id format and matched to its message.
 * - An MO goes to the account owning its destination number (Account.moPrefixes, longest
 *   prefix). No owner: ESME_RINVDSTADR, permanent, so the carrier stops retrying a number
 *   that is not ours. Before the daemon has its accounts (or in a gateway without a client
 *   side) there is no owner lookup yet: ESME_RX_T_APPN, and the carrier keeps the MO.
 *   A part of a long MO is answered once it is held durably (mo-reassembly.ts joins it
 *   with its siblings).
 */
import type { Logger } from '../obs/logger.js';
import type { Pdu } from '../smpp/codec.js';
import { contentFromPdu } from '../smpp/message-content.js';
import { STATUS } from '../smpp/status.js';
import type { MessageStore } from '../messages/message-store.js';
import type { MoReassembly } from './mo-reassembly.js';
import { carrierIdKey, parseReceipt } from './receipt-parser.js';

export interface DeliverCounters {
  /** Receipts that found their message. */
  matched: number;
  /** Receipts kept until their submit_sm_resp is recorded. */
  held: number;
  /** MO committed for an account: whole, or a part of a long one (MoReassembly.counters say which). */
  mo: number;
  /** MO to a number no account owns, refused. */
  moUnowned: number;
  /** Receipts or MO the store could not record (the carrier sends them again). */
  failed: number;
}

export type MoOwnerLookup = (destination: string) => string | undefined;

export function deliverIntake(opts: {
  store: Pick<MessageStore, 'applyReceipt'>;
  mo: Pick<MoReassembly, 'take'>;
  /** Read at each MO: undefined until the daemon wires its accounts in. */
  moOwner: () => MoOwnerLookup | undefined;
  dlrIdFormat: (carrier: string) => 'hex' | 'decimal';
  logger: Logger;
  counters: DeliverCounters;
}): (carrier: string, pdu: Pdu, respond: (status: number) => void) => void {
  const { counters, logger } = opts;
  const storeFailed = (what: string, carrier: string, respond: (status: number) => void) => (err: unknown) => {
    counters.failed++;
    logger.error(`could not record ${what}; the carrier will resend it`, { carrier, error: err instanceof Error ? err.message : String(err) });
    respond(STATUS.ESME_RX_T_APPN);
  };

  const mo = (carrier: string, pdu: Pdu, respond: (status: number) => void) => {
    const ownerOf = opts.moOwner();
    if (!ownerOf) {
      respond(STATUS.ESME_RX_T_APPN);
      return;
    }
    const content = contentFromPdu(pdu);
    const account = ownerOf(content.destinationAddr);
    if (account === undefined) {
      counters.moUnowned++;
      logger.warn('MO to a number no account owns was refused (give the account moPrefixes)', { carrier, destination: content.destinationAddr });
      respond(STATUS.ESME_RINVDSTADR);
      return;
    }
    opts.mo.take(account, carrier, content).then(() => {
      counters.mo++;
      respond(STATUS.ESME_ROK);
    }, storeFailed('an MO', carrier, respond));
  };

  return (carrier, pdu, respond) => {
    const receipt = parseReceipt(pdu as Parameters<typeof parseReceipt>[0]);
    if (!receipt) {
      mo(carrier, pdu, respond);
      return;
    }
    const carrierKey = carrierIdKey(receipt.carrierMessageId, 'receipt', opts.dlrIdFormat(carrier));
    opts.store.applyReceipt({ carrier, carrierKey, state: receipt.state, errorCode: receipt.errorCode }).then((result) => {
      counters[result]++;
      respond(STATUS.ESME_ROK);
    }, storeFailed('a receipt', carrier, respond));
  };
}
