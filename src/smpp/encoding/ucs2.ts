/**
 * UCS2 (SMPP 3.4 §5.2.19 data_coding 0x08, 3GPP TS 23.038 §6.2.3): two octets per UTF-16
 * code unit, big-endian. What carriers and handsets send under this name is UTF-16BE, so a
 * character outside the BMP (an emoji) is a surrogate pair: two units, counted as two, and
 * never split between parts (split.ts asks isHighSurrogate).
 */
import { fail, ok, type CodecResult } from './types.js';

export function encodeUcs2(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

export function decodeUcs2(octets: Uint8Array): CodecResult<string> {
  if (octets.length % 2 !== 0) {
    return fail('ODD_UCS2_LENGTH', `a UCS2 payload must have an even number of octets (two per character), got ${octets.length}`);
  }
  // Copy before swapping: the input stays as it came.
  return ok(Buffer.from(octets).swap16().toString('utf16le'));
}

export function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

export function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
