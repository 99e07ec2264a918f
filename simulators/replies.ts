/**
 * Subscribers who answer: which accepted MT get a reply MO (behaviour `replies`), and what
 * it says. The reply comes from the MT's destination (the subscriber) to the MT's source
 * (the number it came from, e.g. a pool number of a mask), which is what a gateway that
 * masks or leases numbers has to route back. The simulator sends it through its normal MO
 * path (smsc.ts), so it is split, queued and retried like an injected MO.
 *
 * An MT from an alphanumeric sender gets no reply: a handset cannot answer one.
 * The echo reads the MT as the simulator's network reads data_coding 0 (GSM 7-bit, one
 * septet per octet: mo-text.ts); each part of a long MT is a submit of its own and gets a
 * reply of its own, with that part's text.
 */
import type { RepliesBehaviour } from '../src/config/simulator-schema.js';
import { describeDcs } from '../src/smpp/encoding/dcs.js';
import { readPart } from '../src/smpp/encoding/read-part.js';
import { decodeText } from '../src/smpp/encoding/text-codec.js';

/** What a binary MT (or one whose text cannot be read) is answered with when echoing. */
export const NON_TEXT_REPLY = 'OK';

export interface AcceptedMt {
  source_addr: string;
  source_addr_ton: number;
  destination_addr: string;
  data_coding: number;
  esm_class: number;
  /** short_message, or message_payload when that carried the body. */
  body: Buffer;
}

export interface Reply {
  from: string;
  to: string;
  text: string;
}

const digitsOf = (address: string) => (address.startsWith('+') ? address.slice(1) : address);
/** SMPP 3.4 §5.2.5: an alphanumeric sender, which no handset can answer. */
const TON_ALPHANUMERIC = 5;

/** The reply this MT gets, or undefined (replies off, or a destination that does not answer). */
export function replyTo(mt: AcceptedMt, replies: RepliesBehaviour): Reply | undefined {
  if (!replies.enabled || mt.source_addr === '' || mt.source_addr_ton === TON_ALPHANUMERIC || mt.destination_addr === '') return undefined;
  const destination = digitsOf(mt.destination_addr);
  if (replies.destinationPrefixes.length > 0 && !replies.destinationPrefixes.some((p) => destination.startsWith(digitsOf(p)))) return undefined;
  return { from: mt.destination_addr, to: mt.source_addr, text: replies.text ?? echoText(mt) };
}

function echoText(mt: AcceptedMt): string {
  const part = readPart({ octets: mt.body, esmClass: mt.esm_class }, { alphabet: describeDcs(mt.data_coding, 'gsm7').alphabet, packed: false });
  if (!part.ok) return NON_TEXT_REPLY;
  const decoded = decodeText(part.value.body);
  return decoded.ok && decoded.value.text !== '' ? decoded.value.text : NON_TEXT_REPLY;
}
