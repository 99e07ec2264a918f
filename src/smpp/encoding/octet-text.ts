/**
 * Text in one octet per character: ISO 8859-1 (SMPP 3.4 §5.2.19 data_coding 0x03) and IA5,
 * the 7-bit international ASCII (data_coding 0x01, ITU-T T.50). Latin-1 code points are the
 * first 256 of Unicode, so both are a range check. As everywhere in this layer, encoding
 * reports a character it cannot carry and decoding replaces what it cannot read, counting it.
 */
import { describeCharacterAt, fail, ok, type CodecResult, type DecodedText } from './types.js';

export type OctetAlphabet = 'latin1' | 'ascii';

const LIMIT: Record<OctetAlphabet, number> = { latin1: 0xff, ascii: 0x7f };
const NAME: Record<OctetAlphabet, string> = { latin1: 'Latin-1 (ISO 8859-1)', ascii: 'IA5 (ASCII)' };

export function encodeOctetText(text: string, alphabet: OctetAlphabet): CodecResult<Buffer> {
  const limit = LIMIT[alphabet];
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > limit) {
      return fail('UNENCODABLE', `${describeCharacterAt(text, i)} is not in ${NAME[alphabet]}`);
    }
  }
  return ok(Buffer.from(text, 'latin1'));
}

export function decodeOctetText(octets: Uint8Array, alphabet: OctetAlphabet): DecodedText {
  const buffer = Buffer.from(octets.buffer, octets.byteOffset, octets.length);
  if (alphabet === 'latin1') return { text: buffer.toString('latin1'), replaced: 0 };
  let replaced = 0;
  for (const octet of octets) if (octet > 0x7f) replaced++;
  if (replaced === 0) return { text: buffer.toString('latin1'), replaced };
  // An octet with the high bit set is no IA5 character.
  return { text: Array.from(octets, (o) => (o > 0x7f ? '\uFFFD' : String.fromCharCode(o))).join(''), replaced };
}
