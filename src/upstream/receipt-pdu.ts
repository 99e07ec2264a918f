/**
 * The deliver_sm of a receipt we owe a client: esm_class 0x04, the receipt text of SMPP 3.4
 * Appendix B and the receipted_message_id / message_state / network_error_code TLVs
 * (§5.3.2.12, .35, .30), all carrying OUR message id, the one the client got in its
 * submit_sm_resp. The `text:` field stays empty: a receipt never echoes a body.
 */
import type { ReceiptAddresses } from '../messages/message-store.js';
import type { MessageState } from '../messages/types.js';
import type { PduFields } from '../smpp/codec.js';

export type ReceiptStat = 'DELIVRD' | 'EXPIRED' | 'DELETED' | 'UNDELIV' | 'REJECTD' | 'UNKNOWN';

/**
 * Receipt stat and message_state (§5.2.28) per state. Only final states are owed a
 * receipt; the others map to UNKNOWN so that the table is total.
 */
const RECEIPT_STATE: Record<MessageState, { stat: ReceiptStat; messageState: number }> = {
  DELIVERED: { stat: 'DELIVRD', messageState: 2 },
  EXPIRED: { stat: 'EXPIRED', messageState: 3 },
  DELETED: { stat: 'DELETED', messageState: 4 },
  UNDELIVERABLE: { stat: 'UNDELIV', messageState: 5 },
  REJECTED: { stat: 'REJECTD', messageState: 8 },
  UNKNOWN: { stat: 'UNKNOWN', messageState: 7 },
  ACCEPTED: { stat: 'UNKNOWN', messageState: 7 },
  ENROUTE: { stat: 'UNKNOWN', messageState: 7 },
};

/** The text's err: has three digits; network_error_code two octets. Larger codes saturate. */
const MAX_TEXT_ERR = 999;
const MAX_NETWORK_ERR = 0xffff;

export interface ClientReceipt {
  messageId: string;
  state: MessageState;
  errorCode: number;
  submittedAt: number;
  doneAt: number;
}

/** YYMMDDhhmm in UTC, the receipt's date format. */
export function receiptDate(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}`;
}

export function receiptText(r: ClientReceipt): string {
  const { stat } = RECEIPT_STATE[r.state];
  const err = String(Math.min(Math.max(r.errorCode, 0), MAX_TEXT_ERR)).padStart(3, '0');
  return (
    `id:${r.messageId} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} ` +
    `submit date:${receiptDate(r.submittedAt)} done date:${receiptDate(r.doneAt)} stat:${stat} err:${err} text:`
  );
}

/**
 * The deliver_sm fields. The receipt travels back the way a carrier's does: from the
 * message's destination to its source. Without addresses (message purged) they stay empty;
 * clients match receipts by receipted_message_id.
 */
export function receiptFields(r: ClientReceipt, addresses: ReceiptAddresses | undefined): PduFields {
  const err = Math.min(Math.max(r.errorCode, 0), MAX_NETWORK_ERR);
  return {
    source_addr_ton: addresses?.destTon ?? 0,
    source_addr_npi: addresses?.destNpi ?? 0,
    source_addr: addresses?.destinationAddr ?? '',
    dest_addr_ton: addresses?.sourceTon ?? 0,
    dest_addr_npi: addresses?.sourceNpi ?? 0,
    destination_addr: addresses?.sourceAddr ?? '',
    esm_class: 0x04,
    short_message: Buffer.from(receiptText(r), 'latin1'),
    receipted_message_id: r.messageId,
    message_state: RECEIPT_STATE[r.state].messageState,
    // network_error_code: type 3 (GSM), then the error as two octets (§5.3.2.31).
    network_error_code: Buffer.from([3, (err >> 8) & 0xff, err & 0xff]),
  };
}
