/**
 * The shared vocabulary of the encoding layer: alphabets, a message body in its alphabet's
 * units, and the result every function returns instead of throwing. Input from clients and
 * carriers is untrusted, so a bad UDH or an odd-length UCS2 payload is an answer (a problem
 * with a stable code the caller maps to an SMPP status), never an exception.
 *
 * Problem messages never quote the message text: at most a position and a code point.
 */

/** Alphabets we decode to text. `ascii` is IA5 (SMPP data_coding 0x01). */
export type TextAlphabet = 'gsm7' | 'latin1' | 'ascii' | 'ucs2';
/** `binary`: octets we pass through untouched (8-bit data, compressed, or a coding we do not know). */
export type Alphabet = TextAlphabet | 'binary';
/** What a carrier means by data_coding 0 (SMPP 3.4 §5.2.19 "SMSC default alphabet"). */
export type DefaultAlphabet = 'gsm7' | 'latin1' | 'ascii';

/**
 * A message body in its alphabet's units, unpacked: one septet per octet for gsm7 (an
 * extension character is two: 0x1B and its code), two octets big-endian per UTF-16 code unit
 * for ucs2, one octet per character or byte otherwise. Packing into 7-bit is a wire step
 * (septets.ts), applied per part after splitting.
 */
export interface EncodedBody {
  alphabet: Alphabet;
  octets: Buffer;
}

export type CodecProblemCode =
  /** A character the target alphabet cannot carry. */
  | 'UNENCODABLE'
  /** A UCS2 payload of an odd number of octets. */
  | 'ODD_UCS2_LENGTH'
  /** A UDH whose length octet points past the end of the message. */
  | 'UDH_TOO_LONG'
  /** A UDH whose information elements do not add up, or a concatenation IE of the wrong size. */
  | 'BAD_UDH'
  /** A concatenation part number of 0 or above the total, or a total of 0. */
  | 'BAD_PART_NUMBER'
  /** SAR TLVs present only in part, or not numbers. */
  | 'BAD_SAR'
  /** A message needing more parts than allowed. */
  | 'TOO_MANY_PARTS'
  /** Parts of different messages, alphabets or totals handed over as one. */
  | 'INCONSISTENT_PARTS'
  /** A concatenated message with parts still missing. */
  | 'MISSING_PARTS'
  /** Text asked of a binary body. */
  | 'NOT_TEXT';

export interface CodecProblem {
  code: CodecProblemCode;
  /** What is wrong, for logs and operators; never the message text. */
  message: string;
}

export type CodecResult<T> = { ok: true; value: T } | { ok: false; problem: CodecProblem };

export function ok<T>(value: T): CodecResult<T> {
  return { ok: true, value };
}

export function fail(code: CodecProblemCode, message: string): { ok: false; problem: CodecProblem } {
  return { ok: false, problem: { code, message } };
}

/** Text decoded from a body, with the number of codes that had no character and were replaced. */
export interface DecodedText {
  text: string;
  replaced: number;
}

/** `U+20AC`: how problems name a character without quoting the text around it. */
export function codePointName(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** "character 12 (U+2019)": the 1-based position, in characters (an emoji is one), of a UTF-16 offset. */
export function describeCharacterAt(text: string, offset: number): string {
  return `character ${[...text.slice(0, offset)].length + 1} (${codePointName(text.codePointAt(offset)!)})`;
}
