/**
 * A message in the form its carrier takes: the submit_sm(s) for one message, from the
 * carrier's text settings (config: gsmDataCoding, gsmPacked, longMessages, maxParts).
 *
 * Policy:
 * - What a client's data_coding 0 means here: GSM 7-bit, one septet per octet (our SMPP
 *   listener's "SMSC default alphabet", as at most SMSCs). GSM text is relabelled with the
 *   carrier's gsmDataCoding and packed when the carrier wants packed septets; every other
 *   alphabet travels as the client sent it. Nothing is transcoded lossily.
 * - A body (short_message, or message_payload) that fits one SMS goes as one submit_sm.
 *   A longer one goes in the carrier's form: UDH parts (8-bit reference), SAR parts, or one
 *   submit with message_payload. More parts than the carrier's maxParts: refused with
 *   ESME_RINVMSGLEN (0x01) before anything is sent.
 * - A part the client made itself (UDHI set, or sar_* TLVs) is one message of ours and
 *   goes as it came, relabelled but never re-split or packed (its UDH fill bits are the
 *   client's business).
 */
import type { CarrierTextSettings } from '../config/schema.js';
import type { MessageContent } from '../messages/types.js';
import type { PduFields } from '../smpp/codec.js';
import { describeDcs } from '../smpp/encoding/dcs.js';
import { ESM_CLASS_UDHI } from '../smpp/encoding/read-part.js';
import { splitMessage } from '../smpp/encoding/split.js';
import type { EncodedBody } from '../smpp/encoding/types.js';
import { toWire } from '../smpp/encoding/wire.js';
import { pduFromContent } from '../smpp/message-content.js';
import { STATUS } from '../smpp/status.js';

export type CarrierForm = { ok: true; parts: PduFields[] } | { ok: false; status: number; reason: string };

const FORM = { udh: 'udh8', sar: 'sar', payload: 'udh8' } as const;

/** The fields every part shares: the message's own, without the body and the long-message TLVs. */
function baseFields(content: MessageContent, dataCoding: number): PduFields {
  const fields = pduFromContent(content);
  delete fields.message_payload;
  delete fields.sar_msg_ref_num;
  delete fields.sar_total_segments;
  delete fields.sar_segment_seqnum;
  return { ...fields, data_coding: dataCoding };
}

/**
 * The submit_sm fields for `content` at this carrier. `reference` numbers the parts of this
 * message (UDH or SAR); any value, taken modulo the reference's size.
 */
export function carrierForm(content: MessageContent, carrier: CarrierTextSettings, reference: number): CarrierForm {
  const { alphabet } = describeDcs(content.dataCoding, 'gsm7');
  const dataCoding = alphabet === 'gsm7' ? carrier.gsmDataCoding : content.dataCoding;
  const clientPart = (content.esmClass & ESM_CLASS_UDHI) !== 0 || content.tlvs?.sar_msg_ref_num !== undefined;
  if (clientPart) return { ok: true, parts: [{ ...pduFromContent(content), data_coding: dataCoding }] };

  const payload = content.tlvs?.message_payload;
  const body: EncodedBody = { alphabet, octets: Buffer.isBuffer(payload) ? payload : content.shortMessage };
  const packed = alphabet === 'gsm7' && carrier.gsmPacked;
  const split = splitMessage(body, { form: FORM[carrier.longMessages], reference, maxParts: carrier.maxParts, packed });
  if (!split.ok) return { ok: false, status: STATUS.ESME_RINVMSGLEN, reason: split.problem.message };
  const base = baseFields(content, dataCoding);
  if (split.value.length > 1 && carrier.longMessages === 'payload') {
    return { ok: true, parts: [{ ...base, short_message: Buffer.alloc(0), message_payload: toWire(body.octets, alphabet, packed) }] };
  }
  return {
    ok: true,
    parts: split.value.map((part) => ({
      ...base,
      ...part.sar,
      esm_class: part.udhi ? content.esmClass | ESM_CLASS_UDHI : content.esmClass,
      short_message: part.shortMessage,
    })),
  };
}
