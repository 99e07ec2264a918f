/**
 * Text ⇄ GSM 7-bit septets, unpacked (one septet per octet): what most SMPP carriers want
 * with data_coding 0, and the form the splitter counts in. Packing is septets.ts.
 *
 * Encoding never substitutes: a character outside the default alphabet and its extension
 * table is reported with its position, so the caller chooses UCS2 or fails the message
 * rather than turning it into '?'. Decoding never fails: 3GPP TS 23.038 §6.2.1.1 says an
 * unknown code after ESC shows as the basic table's character for that code, and ESC ESC
 * (reserved for a further extension table) and a trailing ESC as a space; an octet above
 * 0x7F (not a septet at all) becomes U+FFFD. Each of these is counted in `replaced`.
 */
import { ESC, GSM7_BASIC, GSM7_EXTENSION, GSM7_FROM_UNIT } from './gsm7-alphabet.js';
import { describeCharacterAt, fail, ok, type CodecResult, type DecodedText } from './types.js';

/** The first character GSM cannot carry: its index in the string and its code point. */
export interface NonGsmCharacter {
  index: number;
  codePoint: number;
}

/**
 * The unpacked septets of `text`, or the first character that has no GSM code. The fast
 * path of choose.ts: no message is built for the common "not GSM, go UCS2" answer.
 */
export function gsm7SeptetsOrFirstMiss(text: string): Buffer | NonGsmCharacter {
  const out = Buffer.allocUnsafe(text.length * 2);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const code = GSM7_FROM_UNIT[text.charCodeAt(i)]!;
    if (code < 0) return { index: i, codePoint: text.codePointAt(i)! };
    if (code > 0xff) {
      out[n++] = ESC;
      out[n++] = code & 0x7f;
    } else {
      out[n++] = code;
    }
  }
  return out.subarray(0, n);
}

export function encodeGsm7(text: string): CodecResult<Buffer> {
  const septets = gsm7SeptetsOrFirstMiss(text);
  if (Buffer.isBuffer(septets)) return ok(septets);
  return fail('UNENCODABLE', `${describeCharacterAt(text, septets.index)} is not in the GSM 03.38 default alphabet or its extension table`);
}

const REPLACEMENT = 0xfffd;
const SPACE = 0x20;
const BASIC_UNITS = Uint16Array.from(GSM7_BASIC, (ch) => ch.charCodeAt(0));
/** Code after ESC → UTF-16 unit, 0 where the extension table has nothing. */
const EXTENSION_UNITS = (() => {
  const units = new Uint16Array(0x80);
  for (const [code, ch] of GSM7_EXTENSION) units[code] = ch.charCodeAt(0);
  return units;
})();

/** Septets (one per octet) → text; see the module comment for what is replaced. */
export function decodeGsm7(septets: Uint8Array): DecodedText {
  // UTF-16LE code units written straight into a buffer: one string at the end, not one per character.
  const out = Buffer.allocUnsafe(septets.length * 2);
  let n = 0;
  let replaced = 0;
  const put = (unit: number) => {
    out[n++] = unit & 0xff;
    out[n++] = unit >> 8;
  };
  for (let i = 0; i < septets.length; i++) {
    const code = septets[i]!;
    if (code > 0x7f) {
      put(REPLACEMENT);
      replaced++;
    } else if (code !== ESC) {
      put(BASIC_UNITS[code]!);
    } else if (i + 1 >= septets.length || septets[i + 1] === ESC) {
      // A trailing ESC, or ESC ESC (reserved for a further extension table): a space (§6.2.1.1).
      put(SPACE);
      replaced++;
      i++;
    } else {
      const next = septets[++i]!;
      const extension = EXTENSION_UNITS[next & 0x7f]!;
      if (next <= 0x7f && extension !== 0) {
        put(extension);
      } else {
        // Not in the extension table: the basic table's character for that code (§6.2.1.1).
        put(next > 0x7f ? REPLACEMENT : BASIC_UNITS[next]!);
        replaced++;
      }
    }
  }
  return { text: out.toString('utf16le', 0, n), replaced };
}
