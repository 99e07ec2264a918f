/**
 * The text of a submitted message, as its client wrote it: what content rules
 * (accounts/content-rules.ts) are matched against. The domain never decodes alphabets, so
 * the wiring hands it this function.
 *
 * Read as submit-translation.ts reads a submit: the body from message_payload or
 * short_message, without its UDH, in the alphabet its data_coding names (0 meaning GSM
 * 7-bit, one septet per octet). Binary bodies, and bodies that do not decode, have no text.
 */
import type { MessageContent } from '../messages/types.js';
import { describeDcs } from '../smpp/encoding/dcs.js';
import { readPart } from '../smpp/encoding/read-part.js';
import { decodeText } from '../smpp/encoding/text-codec.js';

export function submitText(content: MessageContent): string | null {
  const { alphabet } = describeDcs(content.dataCoding, 'gsm7');
  if (alphabet === 'binary') return null;
  const payload = content.tlvs?.message_payload;
  const octets = Buffer.isBuffer(payload) ? payload : content.shortMessage;
  // SAR TLVs only say where the part sits; the text is the same without them.
  const read = readPart({ octets, esmClass: content.esmClass }, { alphabet, packed: false });
  if (!read.ok) return null;
  const text = decodeText(read.value.body);
  return text.ok ? text.value.text : null;
}
