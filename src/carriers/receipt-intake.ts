/**
 * Where a carrier's deliver_sm enters the gateway. A receipt is parsed (text or TLVs),
 * keyed by the carrier's id format, and recorded durably; only then is the carrier
 * answered, so a crash before the commit makes the carrier send it again (at-least-once).
 *
 * MO (a deliver_sm that is not a receipt) has nowhere to go until the client side exists:
 * it is answered ESME_RX_T_APPN, a temporary error, so the carrier keeps it and retries
 * rather than believing it delivered.
 */
import type { Logger } from '../obs/logger.js';
import type { Pdu } from '../smpp/codec.js';
import { STATUS } from '../smpp/status.js';
import type { MessageStore } from '../messages/message-store.js';
import { carrierIdKey, parseReceipt } from './receipt-parser.js';

export interface ReceiptCounters {
  matched: number;
  held: number;
  mo: number;
  failed: number;
}

export function receiptIntake(opts: {
  store: Pick<MessageStore, 'applyReceipt'>;
  dlrIdFormat: (carrier: string) => 'hex' | 'decimal';
  logger: Logger;
  counters: ReceiptCounters;
}): (carrier: string, pdu: Pdu, respond: (status: number) => void) => void {
  return (carrier, pdu, respond) => {
    const receipt = parseReceipt(pdu as Parameters<typeof parseReceipt>[0]);
    if (!receipt) {
      opts.counters.mo++;
      respond(STATUS.ESME_RX_T_APPN);
      return;
    }
    const carrierKey = carrierIdKey(receipt.carrierMessageId, 'receipt', opts.dlrIdFormat(carrier));
    opts.store.applyReceipt({ carrier, carrierKey, state: receipt.state, errorCode: receipt.errorCode }).then(
      (result) => {
        opts.counters[result]++;
        respond(STATUS.ESME_ROK);
      },
      (err: unknown) => {
        opts.counters.failed++;
        opts.logger.error('could not record a receipt; the carrier will resend it', { carrier, error: err instanceof Error ? err.message : String(err) });
        respond(STATUS.ESME_RX_T_APPN);
      },
    );
  };
}
