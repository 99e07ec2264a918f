/**
 * Turning an injected MO text into deliver_sm parts, as a handset's network would: GSM 7-bit
 * (one septet per octet, data_coding 0) when every character is in the GSM 03.38 alphabet,
 * else UCS2; split with a concatenation UDH (8- or 16-bit reference) or SAR TLVs when long.
 * The gateway's own encoding layer does the work, so the simulator sends what a carrier
 * configured with the defaults would.
 */
import type { PduFields } from '../src/smpp/codec.js';
import { chooseEncoding } from '../src/smpp/encoding/choose.js';
import { ESM_CLASS_UDHI } from '../src/smpp/encoding/read-part.js';
import { MAX_PARTS, splitMessage } from '../src/smpp/encoding/split.js';

export type Concatenation = 'udh8' | 'udh16' | 'sar';

/** A carrier's network as seen by the gateway: GSM labelled data_coding 0, not packed. */
const NETWORK = { gsmDataCoding: 0x00, gsmPacked: false };

/** The payload-specific deliver_sm fields of each part, in order. */
export function moParts(text: string, concatenation: Concatenation, reference: number): PduFields[] {
  const chosen = chooseEncoding(text, NETWORK);
  const parts = splitMessage(chosen.body, { form: concatenation, reference, maxParts: MAX_PARTS, packed: chosen.packed });
  if (!parts.ok) throw new RangeError(`this MO cannot be sent: ${parts.problem.message}`);
  return parts.value.map((part) => ({
    data_coding: chosen.dataCoding,
    esm_class: part.udhi ? ESM_CLASS_UDHI : 0,
    short_message: part.shortMessage,
    ...part.sar,
  }));
}
