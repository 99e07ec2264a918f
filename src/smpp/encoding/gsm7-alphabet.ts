/**
 * The GSM 7-bit default alphabet and its extension table, 3GPP TS 23.038 §6.2.1 (GSM 03.38),
 * as lookup tables both ways. National language shift tables (§6.2.1.2.4, §A.2) are not
 * supported: no SMPP carrier we know expects them, and a text that needs one goes as UCS2.
 */

/** The escape to the extension table (§6.2.1.1); in the basic table it has no glyph. */
export const ESC = 0x1b;
/** Carriage return: the padding septet of §6.1.2.3.1. */
export const CR = 0x0d;

// §6.2.1, the basic table, row by row (0x00–0x0F, 0x10–0x1F, …). 0x1B is ESC, kept as a
// placeholder here and never produced as a character. 0x09 is the capital Ç as 23.038
// prints it (the Unicode Consortium's GSM0338.TXT reads it as a small ç; a small ç is
// therefore not GSM here and goes as UCS2 rather than being changed).
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

/** §6.2.1.1: code after ESC → character. Each costs two septets. */
export const GSM7_EXTENSION: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'], // page break, shown as form feed
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

/** Septet → character for the basic table; index 0x1B is ESC, not a character. */
export const GSM7_BASIC: readonly string[] = [...BASIC];

/**
 * UTF-16 code unit → GSM code: the septet for the basic table, 0x100 | code for an extension
 * character, -1 for none. A typed array over the whole BMP is 128 KiB and one load per
 * character, which is what keeps encoding off the relay's CPU profile.
 */
export const GSM7_FROM_UNIT: Int16Array = (() => {
  const table = new Int16Array(0x10000).fill(-1);
  GSM7_BASIC.forEach((ch, code) => {
    if (code !== ESC) table[ch.charCodeAt(0)] = code;
  });
  for (const [code, ch] of GSM7_EXTENSION) table[ch.charCodeAt(0)] = 0x100 | code;
  return table;
})();
