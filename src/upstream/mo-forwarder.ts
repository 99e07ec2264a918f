/**
 * MO owed to clients (client_mo), forwarded as deliver_sm by the OwedForwarder: the MO as
 * stored (sender, our number, data_coding, the body as the carrier sent it or as joined
 * from its parts, message_payload and sar_*), with esm_class reduced to what a client
 * should see: the message type bits cleared (it is a plain MO, not a receipt), UDHI and
 * reply path kept.
 *
 * A client bound as SMPP 3.3 takes no TLVs, so an MO whose body is in message_payload (a
 * long MO joined from its parts) goes to it split again into UDH parts (8-bit reference),
 * as a handset would get it; the row is acknowledged once every part is.
 */
import type { AccountDirectory } from '../accounts/types.js';
import type { MoInbox, OwedMo } from '../messages/mo-inbox.js';
import type { PduFields } from '../smpp/codec.js';
import { describeDcs } from '../smpp/encoding/dcs.js';
import { ESM_CLASS_UDHI } from '../smpp/encoding/read-part.js';
import { MAX_PARTS, splitMessage } from '../smpp/encoding/split.js';
import { pduFromContent } from '../smpp/message-content.js';
import { OwedForwarder, type OwedForwarderOptions, type OwedSource } from './owed-forwarder.js';

/** esm_class bits 7–6 (GSM features: reply path, UDHI); bits 5–2 (type) and 1–0 (mode) go. */
const ESM_GSM_FEATURES = 0xc0;

export interface MoForwarderOptions extends OwedForwarderOptions {
  inbox: Pick<MoInbox, 'events' | 'owed' | 'accountsOwed' | 'delivered' | 'expire'>;
  /** MO of an account that no longer exists waits for retention rather than going astray. */
  directory: Pick<AccountDirectory, 'get'>;
}

export function moFields(mo: OwedMo, peer: { hasTlvs: boolean }): PduFields | PduFields[] {
  const fields: PduFields = { ...pduFromContent(mo.content), esm_class: mo.content.esmClass & ESM_GSM_FEATURES };
  const payload = mo.content.tlvs?.message_payload;
  const numbered = (mo.content.esmClass & ESM_CLASS_UDHI) !== 0 || mo.content.tlvs?.sar_msg_ref_num !== undefined;
  if (peer.hasTlvs || !Buffer.isBuffer(payload) || numbered) return fields;
  return splitForSmpp33(fields, mo, payload);
}

/**
 * message_payload as UDH parts, for a peer without TLVs. Data coding 0 counts as GSM one
 * septet per octet, as our clients exchange it (and as a joined MO holds it). Should the
 * body need more than 255 parts, it goes whole and the 3.3 session drops the TLV.
 */
function splitForSmpp33(fields: PduFields, mo: OwedMo, payload: Buffer): PduFields[] {
  const { alphabet } = describeDcs(mo.content.dataCoding, 'gsm7');
  // The row's seq numbers the parts: the same on every retry of this MO.
  const split = splitMessage({ alphabet, octets: payload }, { form: 'udh8', reference: mo.seq, maxParts: MAX_PARTS, packed: false });
  if (!split.ok) return [fields];
  const { message_payload: _inParts, ...base } = fields;
  const esmClass = Number(base.esm_class);
  return split.value.map((part) => ({ ...base, esm_class: part.udhi ? esmClass | ESM_CLASS_UDHI : esmClass, short_message: part.shortMessage }));
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
