/**
 * Reading what a client or a carrier sent: a short_message (or message_payload), its
 * esm_class UDHI bit and SAR TLVs → where the part sits in a concatenated message, the
 * other UDH elements, and the body in its alphabet's units (unpacked), ready to decode or
 * to join with its sibling parts (reassemble.ts).
 *
 * A message may carry both a concatenation UDH and SAR TLVs; the UDH is what reaches the
 * handset, so it wins. Each problem (a UDH longer than the message, a bad part number, an
 * odd-length UCS2 payload, partial SAR TLVs) is a CodecProblem for the caller to answer.
 */
import { concatFromSar, type SarFields } from './sar.js';
import { fail, ok, type Alphabet, type CodecResult, type EncodedBody } from './types.js';
import { parseUdh, type ConcatInfo, type InformationElement } from './udh.js';
import { fromWire } from './wire.js';

/** esm_class bit 6 (0x40): the short_message starts with a UDH (SMPP 3.4 §5.2.12). */
export const ESM_CLASS_UDHI = 0x40;

export interface ReceivedPart {
  /** short_message, or message_payload when that carried the text. */
  octets: Buffer;
  esmClass: number;
  /** The PDU's SAR TLVs, as decoded (absent ones undefined). */
  sar?: Partial<Record<keyof SarFields, unknown>>;
}

export interface ReadOptions {
  /** From describeDcs(data_coding, carrier default). */
  alphabet: Alphabet;
  /** GSM text arrives packed 7-bit (the sender's setting, e.g. the carrier's gsmPacked). */
  packed: boolean;
}

export interface ReadPart {
  concat?: ConcatInfo;
  /** UDH elements, the concatenation IE included; empty without a UDH. */
  elements: InformationElement[];
  body: EncodedBody;
}

export function readPart(part: ReceivedPart, opts: ReadOptions): CodecResult<ReadPart> {
  let payload = part.octets;
  let udhOctets = 0;
  let concat: ConcatInfo | undefined;
  let elements: InformationElement[] = [];
  if (part.esmClass & ESM_CLASS_UDHI) {
    const udh = parseUdh(part.octets);
    if (!udh.ok) return udh;
    ({ payload, udhOctets, elements, concat } = udh.value);
  }
  if (!concat && part.sar) {
    const sar = concatFromSar(part.sar);
    if (!sar.ok) return sar;
    concat = sar.value;
  }
  if (opts.alphabet === 'ucs2' && payload.length % 2 !== 0) {
    return fail('ODD_UCS2_LENGTH', `a UCS2 payload must have an even number of octets (two per character), got ${payload.length}`);
  }
  const read: ReadPart = { elements, body: { alphabet: opts.alphabet, octets: fromWire(payload, opts.alphabet, opts.packed, udhOctets) } };
  if (concat) read.concat = concat;
  return ok(read);
}
