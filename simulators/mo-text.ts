/**
 * Turning an injected MO text into deliver_sm parts, as a handset's network would: the GSM
 * default alphabet when the text fits its ASCII-compatible subset, else UCS2; split with a
 * concatenation UDH (8- or 16-bit reference) or SAR TLVs when it is long.
 *
 * Deliberately small: it only has to produce valid traffic toward the gateway. Characters
 * outside the subset simply go as UCS2, which every SMSC may do.
 */
import type { PduFields } from '../src/smpp/codec.js';

export type Concatenation = 'udh8' | 'udh16' | 'sar';

// Characters whose GSM 03.38 default-alphabet code equals their ASCII code.
const GSM_ASCII_SAFE = /^[A-Za-z0-9 !"#%&'()*+,\-./:;<=>?\n\r]*$/;

export interface EncodedText {
  dataCoding: number;
  /** Units a single message holds, and a part of a concatenated one. */
  single: number;
  perPart: number;
  /** The text as units: one octet per GSM character, or one UTF-16 code unit per two octets. */
  units: Buffer[];
}

export function encodeMoText(text: string): EncodedText {
  if (GSM_ASCII_SAFE.test(text)) {
    return { dataCoding: 0x00, single: 160, perPart: 153, units: [...text].map((c) => Buffer.from(c, 'latin1')) };
  }
  // UCS2 units; a surrogate pair is one unit group so no part splits an emoji in half.
  const units: Buffer[] = [];
  for (const ch of text) {
    const b = Buffer.alloc(ch.length * 2);
    for (let i = 0; i < ch.length; i++) b.writeUInt16BE(ch.charCodeAt(i), i * 2);
    units.push(b);
  }
  return { dataCoding: 0x08, single: 70, perPart: 67, units };
}

function unitWeight(encoded: EncodedText, unit: Buffer): number {
  return encoded.dataCoding === 0x08 ? unit.length / 2 : 1;
}

function chunk(encoded: EncodedText): Buffer[] {
  const total = encoded.units.reduce((n, u) => n + unitWeight(encoded, u), 0);
  if (total <= encoded.single) return [Buffer.concat(encoded.units)];
  const parts: Buffer[] = [];
  let current: Buffer[] = [];
  let weight = 0;
  for (const unit of encoded.units) {
    const w = unitWeight(encoded, unit);
    if (weight + w > encoded.perPart) {
      parts.push(Buffer.concat(current));
      current = [];
      weight = 0;
    }
    current.push(unit);
    weight += w;
  }
  if (current.length > 0) parts.push(Buffer.concat(current));
  return parts;
}

/** The payload-specific deliver_sm fields of each part, in order. */
export function moParts(text: string, concatenation: Concatenation, reference: number): PduFields[] {
  const encoded = encodeMoText(text);
  const bodies = chunk(encoded);
  if (bodies.length === 1) return [{ data_coding: encoded.dataCoding, esm_class: 0, short_message: bodies[0] }];
  if (bodies.length > 255) throw new RangeError(`an MO of ${bodies.length} parts exceeds the 255 a concatenated message can have`);
  const total = bodies.length;
  return bodies.map((body, i) => {
    const seq = i + 1;
    if (concatenation === 'sar') {
      return { data_coding: encoded.dataCoding, esm_class: 0, short_message: body, sar_msg_ref_num: reference & 0xffff, sar_total_segments: total, sar_segment_seqnum: seq };
    }
    const udh =
      concatenation === 'udh8'
        ? Buffer.from([0x05, 0x00, 0x03, reference & 0xff, total, seq])
        : Buffer.from([0x06, 0x08, 0x04, (reference >> 8) & 0xff, reference & 0xff, total, seq]);
    return { data_coding: encoded.dataCoding, esm_class: 0x40, short_message: Buffer.concat([udh, body]) };
  });
}
