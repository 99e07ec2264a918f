/**
 * Concatenation by SMPP TLVs instead of a UDH (SMPP 3.4 §5.3.2.22–24): sar_msg_ref_num
 * (2 octets, the same for every part), sar_total_segments (1 octet, 1..255) and
 * sar_segment_seqnum (1 octet, 1..total). The SMSC turns them into a UDH for the handset,
 * so the short_message holds text only and a part has the full 160/140/70 units.
 * All three or none: a part carrying some of them is refused, as is a 0 or a number
 * above the total.
 */
import { checkPartNumbers, type ConcatInfo } from './udh.js';
import { fail, ok, type CodecResult } from './types.js';

/** The SAR TLVs by their SMPP names, as a PDU carries them. */
export interface SarFields {
  sar_msg_ref_num: number;
  sar_total_segments: number;
  sar_segment_seqnum: number;
}

const LIMITS: Record<keyof SarFields, number> = { sar_msg_ref_num: 0xffff, sar_total_segments: 0xff, sar_segment_seqnum: 0xff };

/**
 * The part numbers the SAR TLVs of a PDU give, undefined when it has none. Takes the
 * decoded PDU's values as they are (unknown), since a client may send anything.
 */
export function concatFromSar(tlvs: Partial<Record<keyof SarFields, unknown>>): CodecResult<ConcatInfo | undefined> {
  const names = Object.keys(LIMITS) as (keyof SarFields)[];
  const present = names.filter((name) => tlvs[name] !== undefined);
  if (present.length === 0) return ok(undefined);
  if (present.length < names.length) {
    const missing = names.filter((name) => tlvs[name] === undefined);
    return fail('BAD_SAR', `SAR TLVs must come together: ${present.join(', ')} without ${missing.join(', ')} (SMPP 3.4 §5.3.2.22–24)`);
  }
  for (const name of names) {
    const value = tlvs[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > LIMITS[name]) {
      return fail('BAD_SAR', `${name} must be a whole number 0..${LIMITS[name]}`);
    }
  }
  return checkPartNumbers(
    { form: 'sar', reference: tlvs.sar_msg_ref_num as number, total: tlvs.sar_total_segments as number, seq: tlvs.sar_segment_seqnum as number },
    'SAR TLVs',
  );
}
