/**
 * The encoding of text we create (an MO from the simulator, `maskgate send`, a message we
 * compose): GSM 7-bit when every character is in the default alphabet or its extension
 * table, as a handset would, since it gets 160 characters a part instead of 70; UCS2
 * otherwise. Which data_coding labels GSM text, and whether it goes packed, is the carrier's.
 */
import { gsm7SeptetsOrFirstMiss, type NonGsmCharacter } from './gsm7.js';
import type { EncodedBody } from './types.js';
import { encodeUcs2 } from './ucs2.js';

/** SMPP 3.4 §5.2.19: data_coding 0x08 is UCS2. */
export const UCS2_DATA_CODING = 0x08;

/** The carrier settings (config carriers[]) that decide how GSM text goes out. */
export interface GsmCarrierSettings {
  /** data_coding put on GSM 7-bit text. */
  gsmDataCoding: number;
  /** Whether the carrier takes GSM text packed 7-bit rather than one septet per octet. */
  gsmPacked: boolean;
}

export interface ChosenEncoding {
  /** gsm7 (unpacked septets) or ucs2. */
  body: EncodedBody;
  dataCoding: number;
  /** Pack the septets on the wire (gsm7 at a carrier that wants it). */
  packed: boolean;
  /** Why UCS2: the first character GSM cannot carry. Absent for gsm7. */
  firstNonGsm?: NonGsmCharacter;
}

export function chooseEncoding(text: string, carrier: GsmCarrierSettings): ChosenEncoding {
  const septets = gsm7SeptetsOrFirstMiss(text);
  if (Buffer.isBuffer(septets)) {
    return { body: { alphabet: 'gsm7', octets: septets }, dataCoding: carrier.gsmDataCoding, packed: carrier.gsmPacked };
  }
  return { body: { alphabet: 'ucs2', octets: encodeUcs2(text) }, dataCoding: UCS2_DATA_CODING, packed: false, firstNonGsm: septets };
}
