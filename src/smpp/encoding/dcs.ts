/**
 * What an SMPP data_coding octet says about a message body: its alphabet, its message
 * class and whether it is compressed.
 *
 * Two specifications share the octet. SMPP 3.4 §5.2.19 defines 0x00–0x0F its own way
 * (0x00 "SMSC default alphabet", 0x01 IA5, 0x03 Latin-1, 0x08 UCS2 …); above that the value
 * is the GSM data coding scheme, 3GPP TS 23.038 §4 (GSM 03.38), coding group in bits 7..4:
 *
 *   00xx / 01xx  general data coding (01xx: marked for automatic deletion); bit 5 compressed,
 *                bit 4 "bits 1..0 are a message class", bits 3..2 alphabet
 *                (00 GSM 7-bit, 01 8-bit data, 10 UCS2, 11 reserved)
 *   1000–1011    reserved coding groups
 *   1100, 1101   message waiting indication, GSM 7-bit (1100: the text may be discarded)
 *   1110         message waiting indication, UCS2
 *   1111         data coding / message class: bit 3 reserved, bit 2 alphabet
 *                (0 GSM 7-bit, 1 8-bit data), bits 1..0 message class
 *
 * Policy: what we cannot read as text is `binary` and passes through untouched: 8-bit data,
 * compressed text (we do not implement 23.042 compression), reserved values and the SMPP
 * national codings (JIS, Cyrillic, Hebrew, KS C 5601 …). 23.038 tells a handset to read a
 * reserved coding as GSM 7-bit; a gateway that guessed would corrupt what it relays.
 * What 0x00 means is the carrier's setting (`defaultAlphabet`), GSM 7-bit at most SMSCs.
 */
import type { Alphabet, DefaultAlphabet } from './types.js';

export type MessageClass = 0 | 1 | 2 | 3;

export interface DcsInfo {
  alphabet: Alphabet;
  /** 23.038: 0 immediate display ("flash"), 1 ME-specific, 2 SIM-specific, 3 TE-specific. */
  messageClass?: MessageClass;
  /** Compressed per 3GPP TS 23.042; its alphabet is then `binary` (we pass it through). */
  compressed?: boolean;
}

/** SMPP 3.4 §5.2.19 values below the GSM groups we read as text; the rest of 0x00–0x0F is binary. */
function smppCoding(dcs: number, carrierDefault: DefaultAlphabet): DcsInfo {
  switch (dcs) {
    case 0x00:
      return { alphabet: carrierDefault };
    case 0x01:
      return { alphabet: 'ascii' };
    case 0x03:
      return { alphabet: 'latin1' };
    case 0x08:
      return { alphabet: 'ucs2' };
    default:
      // 0x02, 0x04 octet unspecified; 0x05–0x07, 0x09–0x0E national or pictogram; 0x0F reserved.
      return { alphabet: 'binary' };
  }
}

const GENERAL_ALPHABET: readonly Alphabet[] = ['gsm7', 'binary', 'ucs2', 'binary'];

export function describeDcs(dcs: number, carrierDefault: DefaultAlphabet): DcsInfo {
  const value = dcs & 0xff;
  if (value <= 0x0f) return smppCoding(value, carrierDefault);
  const group = value >> 4;
  if (group <= 0x7) {
    // 00xx and 01xx: general data coding (01xx only adds automatic deletion).
    const compressed = (value & 0x20) !== 0;
    const info: DcsInfo = { alphabet: compressed ? 'binary' : GENERAL_ALPHABET[(value >> 2) & 0x3]! };
    if (value & 0x10) info.messageClass = (value & 0x3) as MessageClass;
    if (compressed) info.compressed = true;
    return info;
  }
  if (group <= 0xb) return { alphabet: 'binary' };
  if (group <= 0xd) return { alphabet: 'gsm7' };
  if (group === 0xe) return { alphabet: 'ucs2' };
  return { alphabet: value & 0x04 ? 'binary' : 'gsm7', messageClass: (value & 0x3) as MessageClass };
}
