/**
 * A body's user data as it goes on the wire and back: GSM septets packed when the carrier
 * wants packed 7-bit (after the fill bits a UDH of `udhOctets` calls for), every other
 * alphabet as it is. The same step for short_message, a part, and message_payload.
 */
import { packSeptets, udhFillBits, unpackSeptets } from './septets.js';
import type { Alphabet } from './types.js';

export function toWire(units: Buffer, alphabet: Alphabet, packed: boolean, udhOctets = 0): Buffer {
  return alphabet === 'gsm7' && packed ? packSeptets(units, udhFillBits(udhOctets)) : units;
}

export function fromWire(payload: Buffer, alphabet: Alphabet, packed: boolean, udhOctets = 0): Buffer {
  return alphabet === 'gsm7' && packed ? unpackSeptets(payload, udhFillBits(udhOctets)) : payload;
}
