/**
 * Where a carrier's deliver_sm enters the gateway: a receipt or an MO. Either is recorded
 * durably before the carrier is answered, so a crash before the commit makes the carrier
 * send it again (at-least-once); a store failure is answered ESME_RX_T_APPN, a temporary
 * error, for the same reason.
 *
 * - A receipt (text or TLVs) is keyed by the carrier's id format and matched to its message.
 * - An MO goes where numbers/mo-router.ts says: a lease's account, a mask's account (from
 *   the alias), the other party of a proxy session (relayed as a message of its own), or the
 *   account owning the number by its MO prefixes. Refused (no holder, cooling, quarantined…):
 *   ESME_RINVDSTADR, permanent, so the carrier stops retrying a number nobody receives on.
 *   Before the daemon has its accounts (or in a gateway without a client side) there is no
 *   router yet: ESME_RX_T_APPN, and the carrier keeps the MO.
 *   A part of a long MO is answered once it is held durably (mo-reassembly.ts joins it
 *   with its siblings).
 */
import type { Logger } from '../obs/logger.js';
import type { Pdu } from '../smpp/codec.js';
import { contentFromPdu } from '../smpp/message-content.js';
import { STATUS } from '../smpp/status.js';
import type { MessageStore } from '../messages/message-store.js';
import { relayRecipient } from '../messages/mo-recipients.js';
import type { MoRoute } from '../numbers/mo-router.js';
import type { MessageContent } from '../messages/types.js';
import type { MoReassembly } from './mo-reassembly.js';
import { carrierIdKey, parseReceipt } from './receipt-parser.js';

export interface DeliverCounters {
  /** Receipts that found their message. */
  matched: number;
  /** Receipts kept until their submit_sm_resp is recorded. */
  held: number;
  /** MO committed for an account: whole, or a part of a long one (MoReassembly.counters say which). */
  mo: number;
  /** MO refused: to a number nobody holds now (see MoRouter). */
  moUnowned: number;
  /** MO of proxy-session parties, relayed to the other party. */
  relayed: number;
  /** MO held for review (a watched sender), not delivered. */
  moHeld: number;
  /** Receipts or MO the store could not record (the carrier sends them again). */
  failed: number;
}

/** Where MO go (numbers/mo-router.ts); `delivered` is told of each one committed whole. */
export interface MoRouting {
  route(content: ReturnType<typeof contentFromPdu>): MoRoute;
  delivered(route: MoRoute): void;
}

export function deliverIntake(opts: {
  store: Pick<MessageStore, 'applyReceipt'>;
  mo: Pick<MoReassembly, 'take'>;
  /** Holds an MO for review; resolves once committed. */
  held: { hold(recipient: string, carrier: string, content: MessageContent, reason: string): Promise<unknown> };
  /** Read at each MO: undefined until the daemon wires its accounts in. */
  moRouter: () => MoRouting | undefined;
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
    const router = opts.moRouter();
    if (!router) {
      respond(STATUS.ESME_RX_T_APPN);
      return;
    }
    let route: MoRoute;
    try {
      route = router.route(contentFromPdu(pdu));
    } catch (err) {
      storeFailed('an MO', carrier, respond)(err);
      return;
    }
    if (route.kind === 'throttled') {
      // Over the number's MO rate: the carrier keeps the MO and retries it later.
      respond(STATUS.ESME_RTHROTTLED);
      return;
    }
    if (route.kind === 'refused') {
      counters.moUnowned++;
      logger.warn('MO refused: nobody receives on its number now', { carrier, why: route.why });
      respond(STATUS.ESME_RINVDSTADR);
      return;
    }
    const recipient = route.kind === 'session' ? relayRecipient(route.peer.id) : route.account;
    if (route.hold) {
      opts.held.hold(recipient, carrier, route.content, route.hold).then(() => {
        counters.moHeld++;
        respond(STATUS.ESME_ROK);
      }, storeFailed('an MO', carrier, respond));
      return;
    }
    opts.mo.take(recipient, carrier, route.content).then((taken) => {
      if (route.kind === 'session') counters.relayed++;
      else counters.mo++;
      // A part held for its siblings, or one that came again, is not a message yet.
      if (taken !== 'held' && taken !== 'duplicate') router.delivered(route);
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
