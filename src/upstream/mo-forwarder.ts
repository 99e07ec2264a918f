/**
 * MO owed to clients (client_mo), forwarded as deliver_sm by the OwedForwarder: the MO as
 * the carrier sent it (sender, our number, data_coding, UDH, message_payload and sar_*),
 * with esm_class reduced to what a client should see: the message type bits cleared
 * (it is a plain MO, not a receipt), UDHI and reply path kept.
 */
import type { AccountDirectory } from '../accounts/types.js';
import type { MoInbox, OwedMo } from '../messages/mo-inbox.js';
import type { PduFields } from '../smpp/codec.js';
import { pduFromContent } from '../smpp/message-content.js';
import { OwedForwarder, type OwedForwarderOptions, type OwedSource } from './owed-forwarder.js';

/** esm_class bits 7–6 (GSM features: reply path, UDHI); bits 5–2 (type) and 1–0 (mode) go. */
const ESM_GSM_FEATURES = 0xc0;

export interface MoForwarderOptions extends OwedForwarderOptions {
  inbox: Pick<MoInbox, 'events' | 'owed' | 'accountsOwed' | 'delivered' | 'expire'>;
  /** MO of an account that no longer exists waits for retention rather than going astray. */
  directory: Pick<AccountDirectory, 'get'>;
}

export function moFields(mo: OwedMo): PduFields {
  return { ...pduFromContent(mo.content), esm_class: mo.content.esmClass & ESM_GSM_FEATURES };
}

function moSource({ inbox, directory }: MoForwarderOptions): OwedSource<OwedMo> {
  return {
    kind: 'MO',
    wanted: (account) => directory.get(account) !== undefined,
    accountsOwed: () => inbox.accountsOwed(),
    owed: (account, afterSeq, limit) => inbox.owed(account, afterSeq, limit),
    fields: moFields,
    delivered: (row) => inbox.delivered(row.seq),
    expire: (before) => inbox.expire(before),
    subscribe(wake) {
      inbox.events.on('added', wake);
      return () => inbox.events.off('added', wake);
    },
    describe: (row) => ({ moId: row.id, carrier: row.carrier }),
  };
}

export class MoForwarder extends OwedForwarder<OwedMo> {
  constructor(options: MoForwarderOptions) {
    super(moSource(options), options);
  }
}
