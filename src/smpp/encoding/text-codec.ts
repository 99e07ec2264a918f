/**
 * One door to the alphabets: text ⇄ an EncodedBody by alphabet name, and the units a body
 * counts in (what a part holds and a carrier bills by). The per-alphabet rules live in
 * gsm7.ts, octet-text.ts and ucs2.ts.
 */
import { decodeGsm7, encodeGsm7 } from './gsm7.js';
import { decodeOctetText, encodeOctetText } from './octet-text.js';
import { decodeUcs2, encodeUcs2 } from './ucs2.js';
import { fail, ok, type Alphabet, type CodecResult, type DecodedText, type EncodedBody, type TextAlphabet } from './types.js';

export function encodeText(text: string, alphabet: TextAlphabet): CodecResult<EncodedBody> {
  if (alphabet === 'ucs2') return ok({ alphabet, octets: encodeUcs2(text) });
  const encoded = alphabet === 'gsm7' ? encodeGsm7(text) : encodeOctetText(text, alphabet);
  return encoded.ok ? ok({ alphabet, octets: encoded.value }) : encoded;
}

export function decodeText(body: EncodedBody): CodecResult<DecodedText> {
  switch (body.alphabet) {
    case 'gsm7':
      return ok(decodeGsm7(body.octets));
    case 'latin1':
    case 'ascii':
      return ok(decodeOctetText(body.octets, body.alphabet));
    case 'ucs2': {
      const text = decodeUcs2(body.octets);
      return text.ok ? ok({ text: text.value, replaced: 0 }) : text;
    }
    case 'binary':
      return fail('NOT_TEXT', 'the body is binary data (8-bit, compressed or an unknown data_coding), not text');
  }
}

/** The unit a body's length is counted in. */
export type UnitName = 'septets' | 'octets' | 'ucs2 units';

export function unitName(alphabet: Alphabet): UnitName {
  if (alphabet === 'gsm7') return 'septets';
  return alphabet === 'ucs2' ? 'ucs2 units' : 'octets';
}

/** Septets (an extension character counts two), octets, or UTF-16 units (an emoji counts two). */
export function unitCount(body: EncodedBody): number {
  return body.alphabet === 'ucs2' ? body.octets.length >> 1 : body.octets.length;
}
