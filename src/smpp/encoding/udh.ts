/**
 * The User Data Header at the front of a short_message whose esm_class has UDHI (0x40),
 * 3GPP TS 23.040 §9.2.3.24: a length octet (UDHL), then information elements, each an
 * identifier, a length and that many octets. We read every IE (so the others pass through)
 * and interpret the two concatenation IEs:
 *
 *   0x00  §9.2.3.24.1  8-bit reference, total parts, this part's number (3 octets)
 *   0x08  §9.2.3.24.8  16-bit reference, total parts, this part's number (4 octets)
 *
 * Where 23.040 lets a handset ignore a malformed header or IE, a gateway must not guess
 * what it relays: a UDH longer than the message, an IE running past the header, a
 * concatenation IE of the wrong size, a total of 0 or a part number of 0 or above the
 * total is a problem for the caller to refuse. Of repeated concatenation IEs the last
 * counts (§9.2.3.24: "the last occurrence of the IE shall be used").
 */
import { fail, ok, type CodecResult } from './types.js';

export type ConcatForm = 'udh8' | 'udh16' | 'sar';

/** Where a part sits in a concatenated message, however it was carried. */
export interface ConcatInfo {
  form: ConcatForm;
  /** Same for every part of one message (per sender and recipient). */
  reference: number;
  total: number;
  /** 1-based. */
  seq: number;
}

export interface InformationElement {
  iei: number;
  data: Buffer;
}

export interface ParsedUdh {
  /** Octets the UDH takes, its length octet included: what fill bits are computed from. */
  udhOctets: number;
  elements: InformationElement[];
  concat?: ConcatInfo;
  /** The user data after the header (still packed, for packed GSM). */
  payload: Buffer;
}

const IEI_CONCAT_8 = 0x00;
const IEI_CONCAT_16 = 0x08;

/** Octets of a UDH holding only a concatenation IE: 6 with an 8-bit reference, 7 with 16. */
export function concatUdhOctets(form: 'udh8' | 'udh16'): number {
  return form === 'udh8' ? 6 : 7;
}

/** A UDH holding one concatenation IE, length octet first. */
export function buildConcatUdh(info: { form: 'udh8' | 'udh16'; reference: number; total: number; seq: number }): Buffer {
  if (info.form === 'udh8') return Buffer.from([0x05, IEI_CONCAT_8, 0x03, info.reference & 0xff, info.total, info.seq]);
  return Buffer.from([0x06, IEI_CONCAT_16, 0x04, (info.reference >> 8) & 0xff, info.reference & 0xff, info.total, info.seq]);
}

/** Checks the numbers of a part, however carried; `what` names the carrier of them. */
export function checkPartNumbers(info: ConcatInfo, what: string): CodecResult<ConcatInfo> {
  if (info.total === 0) return fail('BAD_PART_NUMBER', `${what}: the total number of parts is 0; it must be 1 to 255`);
  if (info.seq === 0 || info.seq > info.total) {
    return fail('BAD_PART_NUMBER', `${what}: part number ${info.seq} is outside 1..${info.total} (the total number of parts)`);
  }
  return ok(info);
}

function concatFrom(element: InformationElement): CodecResult<ConcatInfo> {
  const { iei, data } = element;
  const expected = iei === IEI_CONCAT_8 ? 3 : 4;
  const name = iei === IEI_CONCAT_8 ? 'concatenation IE 0x00 (8-bit reference)' : 'concatenation IE 0x08 (16-bit reference)';
  if (data.length !== expected) return fail('BAD_UDH', `UDH ${name} must have ${expected} octets, got ${data.length}`);
  const info: ConcatInfo =
    iei === IEI_CONCAT_8
      ? { form: 'udh8', reference: data[0]!, total: data[1]!, seq: data[2]! }
      : { form: 'udh16', reference: data.readUInt16BE(0), total: data[2]!, seq: data[3]! };
  return checkPartNumbers(info, `UDH ${name}`);
}

/** Splits a short_message with UDHI set into its header and the user data after it. */
export function parseUdh(message: Uint8Array): CodecResult<ParsedUdh> {
  const bytes = Buffer.from(message.buffer, message.byteOffset, message.length);
  if (bytes.length === 0) return fail('UDH_TOO_LONG', 'esm_class says a UDH is present (UDHI), but the message is empty');
  const udhOctets = bytes[0]! + 1;
  if (udhOctets > bytes.length) {
    return fail('UDH_TOO_LONG', `the UDH length octet says ${udhOctets - 1} octets follow, but the message has only ${bytes.length - 1}`);
  }
  const elements: InformationElement[] = [];
  let concat: ConcatInfo | undefined;
  let at = 1;
  while (at < udhOctets) {
    if (at + 2 > udhOctets) return fail('BAD_UDH', `the UDH ends inside an information element header at octet ${at}`);
    const iei = bytes[at]!;
    const length = bytes[at + 1]!;
    const end = at + 2 + length;
    if (end > udhOctets) return fail('BAD_UDH', `UDH information element 0x${iei.toString(16).padStart(2, '0')} claims ${length} octets, past the end of the header`);
    const element = { iei, data: bytes.subarray(at + 2, end) };
    if (iei === IEI_CONCAT_8 || iei === IEI_CONCAT_16) {
      const info = concatFrom(element);
      if (!info.ok) return info;
      concat = info.value;
    }
    elements.push(element);
    at = end;
  }
  const parsed: ParsedUdh = { udhOctets, elements, payload: bytes.subarray(udhOctets) };
  if (concat) parsed.concat = concat;
  return ok(parsed);
}
