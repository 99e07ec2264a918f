/**
 * Splitting a body into the parts of a concatenated message, for a carrier that wants
 * parts. One SMS carries 140 octets of user data (3GPP TS 23.040 §9.2.3.16): 160 GSM
 * septets, 140 octets or 70 UCS2 units. A concatenation UDH (udh8, udh16) takes its octets
 * from those, counted in septets for GSM (fill bits included, §9.2.3.24), which gives
 * 153 / 134 / 67 with the 6-octet 8-bit-reference header and 152 / 133 / 66 with the
 * 7-octet 16-bit one. SAR (SMPP 3.4 §5.3.2.22–24) carries the numbering in TLVs, so its
 * parts keep 160 / 140 / 70 and the SMSC adds the header.
 *
 * A part boundary never falls inside a character: not between ESC and its extension code,
 * not between the two halves of a surrogate pair (the part ends one unit early). With
 * packed GSM, a part whose septets would end in a CR exactly on an octet boundary ends
 * before that CR instead, since 23.038 §6.1.2.3.1 makes a receiver drop such a CR as
 * padding (septets.ts).
 *
 * A body that fits one SMS is one part with neither UDH nor SAR.
 */
import { CR, ESC } from './gsm7-alphabet.js';
import type { SarFields } from './sar.js';
import { packedOctets, udhFillBits, udhSeptets } from './septets.js';
import { unitCount, unitName } from './text-codec.js';
import { fail, ok, type Alphabet, type CodecResult, type EncodedBody } from './types.js';
import { buildConcatUdh, concatUdhOctets, type ConcatForm } from './udh.js';
import { isHighSurrogate, isLowSurrogate } from './ucs2.js';
import { toWire } from './wire.js';

/** 3GPP TS 23.040 §9.2.3.16: the user data of one SMS, in octets. */
export const USER_DATA_OCTETS = 140;
/** The part count field of the concatenation IE and of sar_total_segments is one octet. */
export const MAX_PARTS = 255;

export interface SplitOptions {
  form: ConcatForm;
  /** The message's reference, shared by its parts; taken modulo 256 for udh8, 65536 otherwise. */
  reference: number;
  /** The carrier's maxParts: more is a TOO_MANY_PARTS problem. Never above 255. */
  maxParts: number;
  /** Pack GSM septets 7-bit on the wire. */
  packed: boolean;
}

export interface MessagePart {
  /** The short_message: UDH (udh8, udh16) then the part's user data, packed when asked. */
  shortMessage: Buffer;
  /** Set esm_class UDHI (0x40): the short_message starts with a UDH. */
  udhi: boolean;
  /** The SAR TLVs (sar form, more than one part). */
  sar?: SarFields;
  /** Units of text in the part: septets, octets or UCS2 units. */
  units: number;
}

/** Units of `alphabet` one part holds next to a UDH of `udhOctets` octets (0: none). */
export function partCapacity(alphabet: Alphabet, udhOctets: number): number {
  if (alphabet === 'gsm7') return (USER_DATA_OCTETS * 8) / 7 - udhSeptets(udhOctets);
  const octets = USER_DATA_OCTETS - udhOctets;
  return alphabet === 'ucs2' ? octets >> 1 : octets;
}

/** The octet index where the part starting at `start` ends, for gsm7 septets. */
function gsm7Cut(octets: Buffer, start: number, capacity: number, packed: boolean, udhOctets: number): number {
  const n = octets.length;
  let end = start;
  let lastWidth = 0;
  while (end < n) {
    const width = octets[end] === ESC && end + 1 < n ? 2 : 1;
    if (end - start + width > capacity) break;
    end += width;
    lastWidth = width;
  }
  if (packed && end - lastWidth > start && octets[end - 1] === CR) {
    const fill = udhFillBits(udhOctets);
    const count = end - start;
    const onBoundary = (fill + 7 * count) % 8 === 0;
    // Not last: the receiver would drop this CR as padding. Last: it needs a second CR, if there is room.
    const tooLong = end === n && packedOctets(count, fill, true) > USER_DATA_OCTETS - udhOctets;
    if (onBoundary && (end < n || tooLong)) end -= lastWidth;
  }
  return end;
}

function ucs2Cut(octets: Buffer, start: number, capacity: number): number {
  let end = Math.min(start + capacity * 2, octets.length);
  if (end < octets.length && end - 2 > start && isHighSurrogate(octets.readUInt16BE(end - 2)) && isLowSurrogate(octets.readUInt16BE(end))) end -= 2;
  return end;
}

/** The octet index where the part starting at `start` ends. */
function cutEnd(body: EncodedBody, start: number, capacity: number, packed: boolean, udhOctets: number): number {
  if (body.alphabet === 'gsm7') return gsm7Cut(body.octets, start, capacity, packed, udhOctets);
  if (body.alphabet === 'ucs2') return ucs2Cut(body.octets, start, capacity);
  return Math.min(start + capacity, body.octets.length);
}

function unitsOf(alphabet: Alphabet, octets: number): number {
  return alphabet === 'ucs2' ? octets >> 1 : octets;
}

/**
 * The parts of `body`: one without UDH or SAR when it fits one SMS, else numbered parts in
 * `opts.form`. Where nothing is packed or prefixed, a part's octets are a view onto the body's.
 */
export function splitMessage(body: EncodedBody, opts: SplitOptions): CodecResult<MessagePart[]> {
  const { alphabet, octets } = body;
  if (cutEnd(body, 0, partCapacity(alphabet, 0), opts.packed, 0) === octets.length) {
    return ok([{ shortMessage: toWire(octets, alphabet, opts.packed), udhi: false, units: unitCount(body) }]);
  }
  const udhOctets = opts.form === 'sar' ? 0 : concatUdhOctets(opts.form);
  const capacity = partCapacity(alphabet, udhOctets);
  const ranges: [number, number][] = [];
  for (let start = 0; start < octets.length; ) {
    const end = cutEnd(body, start, capacity, opts.packed, udhOctets);
    ranges.push([start, end]);
    start = end;
  }
  const limit = Math.min(opts.maxParts, MAX_PARTS);
  if (ranges.length > limit) {
    return fail('TOO_MANY_PARTS', `the message needs ${ranges.length} parts of at most ${capacity} ${unitName(alphabet)}; at most ${limit} are allowed (maxParts)`);
  }
  const total = ranges.length;
  const reference = opts.form === 'udh8' ? opts.reference & 0xff : opts.reference & 0xffff;
  return ok(
    ranges.map(([start, end], i): MessagePart => {
      const payload = toWire(octets.subarray(start, end), alphabet, opts.packed, udhOctets);
      const units = unitsOf(alphabet, end - start);
      if (opts.form === 'sar') {
        return { shortMessage: payload, udhi: false, units, sar: { sar_msg_ref_num: reference, sar_total_segments: total, sar_segment_seqnum: i + 1 } };
      }
      const udh = buildConcatUdh({ form: opts.form, reference, total, seq: i + 1 });
      return { shortMessage: Buffer.concat([udh, payload]), udhi: true, units };
    }),
  );
}
