/**
 * GSM 7-bit packing: septets ⇄ the octets of a packed TP-User-Data, 3GPP TS 23.038 §6.1.2.1.1
 * (septet n starts at bit 7n, least significant bit first), with the two rules that make the
 * packed form unambiguous without a septet count, which SMPP does not carry:
 *
 * - After a UDH, fill bits bring the first septet to a septet boundary (3GPP TS 23.040
 *   §9.2.3.24): the header is counted in septets, so the text starts at bit
 *   ceil(udhOctets·8/7)·7 of the user data.
 * - §6.1.2.3.1: when the last octet would hold 7 spare bits, they carry a CR rather than
 *   zeros (seven zero bits read as '@'); when the text really ends in a CR exactly on an
 *   octet boundary, another CR is added (CR CR displays as CR). The receiver drops a final
 *   CR that ends exactly on an octet boundary.
 *
 * So unpack(pack(s)) === s, except that septets ending in a CR on an octet boundary come
 * back with a second CR, which the spec defines as the same display.
 */
import { CR } from './gsm7-alphabet.js';

/** Fill bits after a UDH of `udhOctets` octets (its length octet included). */
export function udhFillBits(udhOctets: number): number {
  return (7 - ((udhOctets * 8) % 7)) % 7;
}

/** Septets a UDH of `udhOctets` octets takes from a part's 160, fill bits included. */
export function udhSeptets(udhOctets: number): number {
  return Math.ceil((udhOctets * 8) / 7);
}

/** Octets that `count` septets take when packed after `fillBits`, CR rules included. */
export function packedOctets(count: number, fillBits: number, endsWithCr: boolean): number {
  if (count === 0) return 0;
  const bits = fillBits + 7 * count;
  const spare = (8 - (bits % 8)) % 8;
  // Spare 7: a CR goes in them, same length. Ending in CR on a boundary: a CR more.
  return spare === 0 && endsWithCr ? Math.ceil((bits + 7) / 8) : Math.ceil(bits / 8);
}

/** Packs septets (one per octet, < 0x80) after `fillBits` zero bits. */
export function packSeptets(septets: Uint8Array, fillBits = 0): Buffer {
  const count = septets.length;
  if (count === 0) return Buffer.alloc(0);
  const bits = fillBits + 7 * count;
  const spare = (8 - (bits % 8)) % 8;
  const padWithCr = spare === 7 || (spare === 0 && septets[count - 1] === CR);
  const total = padWithCr ? count + 1 : count;
  const out = Buffer.alloc(Math.ceil((fillBits + 7 * total) / 8));
  let bit = fillBits;
  for (let i = 0; i < total; i++, bit += 7) {
    const septet = (i < count ? septets[i]! : CR) & 0x7f;
    const at = bit >> 3;
    const shift = bit & 7;
    out[at]! |= (septet << shift) & 0xff;
    if (shift > 1) out[at + 1]! |= septet >> (8 - shift);
  }
  return out;
}

/** Unpacks the septets of packed octets whose first septet starts after `fillBits`. */
export function unpackSeptets(octets: Uint8Array, fillBits = 0): Buffer {
  const available = octets.length * 8 - fillBits;
  let count = available > 0 ? Math.floor(available / 7) : 0;
  const out = Buffer.allocUnsafe(count);
  let bit = fillBits;
  for (let i = 0; i < count; i++, bit += 7) {
    const at = bit >> 3;
    const shift = bit & 7;
    let septet = octets[at]! >> shift;
    if (shift > 1) septet |= octets[at + 1]! << (8 - shift);
    out[i] = septet & 0x7f;
  }
  // §6.1.2.3.1: a final CR ending exactly on an octet boundary is padding.
  if (count > 0 && (fillBits + 7 * count) % 8 === 0 && out[count - 1] === CR) count--;
  return out.subarray(0, count);
}
