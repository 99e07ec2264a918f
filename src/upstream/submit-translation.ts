/**
 * submit_sm → NewMessage: the edge where a client's PDU becomes the domain's message, or a
 * refusal with the code whose wire status the client expects (smpp/status.ts WIRE).
 *
 * Policy:
 * - destination_addr: 1 to 20 digits with an optional leading '+' (the field holds 21 octets
 *   with its NUL, SMPP 3.4 §5.2.9); anything else is BAD_DESTINATION.
 * - source_addr: alphanumeric senders (TON 5) up to 11 printable characters, what GSM
 *   carries in the originator field (3GPP TS 23.040 §9.1.2.5); otherwise up to 15 digits
 *   (E.164) with an optional '+'; anything else, or empty, is BAD_SOURCE.
 * - Long messages: one submit with message_payload (up to smpp.maxMessagePayloadOctets) is one
 *   message, split for each carrier at dispatch (carriers/carrier-text.ts); parts a client
 *   split itself (UDH, sar_* TLVs) are a message each. short_message over 254 octets
 *   (SMPP 3.4 §5.2.22), or both short_message and message_payload, is MESSAGE_TOO_LONG.
 * - A UDH longer than the message or whose concatenation IE does not add up is BAD_UDH
 *   (0x43); sar_* TLVs incomplete or with a part number 0 or over the total BAD_SAR (0xC4);
 *   an odd-length UCS2 body BAD_MESSAGE_LENGTH (0x01).
 * - validity_period (SMPP 3.4 §7.1.1) becomes an instant; a value we cannot parse counts as
 *   "none given" (the store's default validity applies) rather than refusing a message
 *   clients of lax SMSCs send every day.
 * - schedule_delivery_time is not honoured yet: the message is sent at once.
 */
import type { ErrorCode } from '../errors.js';
import type { Pdu } from '../smpp/codec.js';
import { contentFromPdu, pduInt, pduStr } from '../smpp/message-content.js';
import type { MessageContent, NewMessage } from '../messages/types.js';
import { describeDcs } from '../smpp/encoding/dcs.js';
import { ESM_CLASS_UDHI, readPart } from '../smpp/encoding/read-part.js';
import type { ConcatInfo } from '../smpp/encoding/udh.js';

export type SubmitRefusal = { ok: false; code: Extract<ErrorCode, 'BAD_SOURCE' | 'BAD_DESTINATION' | 'MESSAGE_TOO_LONG' | 'BAD_MESSAGE_LENGTH' | 'BAD_UDH' | 'BAD_SAR'>; reason: string };
export type SubmitTranslation = { ok: true; message: NewMessage } | SubmitRefusal;

const TON_ALPHANUMERIC = 5;
const MAX_SHORT_MESSAGE_OCTETS = 254;
const DESTINATION = /^\+?\d{1,20}$/;
const NUMERIC_SOURCE = /^\+?\d{1,15}$/;
const ALPHANUMERIC_SOURCE = /^[\x20-\x7e]{1,11}$/;

function refuse(code: SubmitRefusal['code'], reason: string): SubmitRefusal {
  return { ok: false, code, reason };
}

export function translateSubmit(pdu: Pdu, account: string, now: number, limits: { maxMessagePayloadOctets: number }): SubmitTranslation {
  const content = contentFromPdu(pdu);
  const refusal = checkContent(content, limits);
  if (refusal) return refusal;
  return {
    ok: true,
    message: { account, content, registeredDelivery: pduInt(pdu, 'registered_delivery'), validUntil: parseSmppTime(pduStr(pdu, 'validity_period'), now) },
  };
}

/**
 * The checks every submit passes, whichever transport brought it (SMPP, or the HTTP API,
 * which builds the content from JSON): addresses, lengths, and the parts of a long message
 * the client split itself (whose position it sets in `content.partOf`).
 */
export function checkContent(content: MessageContent, limits: { maxMessagePayloadOctets: number }): SubmitRefusal | undefined {
  const { destinationAddr, sourceAddr, sourceTon, shortMessage } = content;
  if (!DESTINATION.test(destinationAddr)) {
    return refuse('BAD_DESTINATION', destinationAddr === '' ? 'destination_addr is empty' : 'destination_addr must be digits with an optional leading +');
  }
  if (sourceAddr === '') return refuse('BAD_SOURCE', 'source_addr is empty');
  const sourceOk = sourceTon === TON_ALPHANUMERIC ? ALPHANUMERIC_SOURCE.test(sourceAddr) : NUMERIC_SOURCE.test(sourceAddr);
  if (!sourceOk) {
    return refuse('BAD_SOURCE', sourceTon === TON_ALPHANUMERIC ? 'an alphanumeric source_addr has at most 11 printable characters' : 'a numeric source_addr has at most 15 digits; alphanumeric senders need source_addr_ton 5');
  }
  if (shortMessage.length > MAX_SHORT_MESSAGE_OCTETS) return refuse('MESSAGE_TOO_LONG', 'short_message is over 254 octets; send long messages in parts');
  const payload = content.tlvs?.message_payload;
  if (Buffer.isBuffer(payload) && payload.length > limits.maxMessagePayloadOctets) {
    return refuse('MESSAGE_TOO_LONG', `message_payload holds ${payload.length} octets; at most ${limits.maxMessagePayloadOctets} are taken (smpp.maxMessagePayloadOctets)`);
  }
  if (content.tlvs?.message_payload !== undefined && shortMessage.length > 0) {
    // SMPP 3.4 §5.3.2.32: the two are exclusive; which one the client meant is a guess.
    return refuse('MESSAGE_TOO_LONG', 'short_message and message_payload are both set; send the text in one of them');
  }
  const part = readClientPart(content);
  if (!part.ok) return part;
  if (part.concat) content.partOf = { reference: part.concat.reference, total: part.concat.total, seq: part.concat.seq };
  return undefined;
}

/**
 * Where the message sits in a long one the client split itself (UDH or SAR), if it does.
 * A UDH that does not fit or add up, SAR TLVs that do not, an odd-length UCS2 body: refused
 * here, so that a carrier never sees them and the client learns why. The body is only read.
 */
function readClientPart(content: MessageContent): SubmitRefusal | { ok: true; concat: ConcatInfo | undefined } {
  const payload = content.tlvs?.message_payload;
  const { alphabet } = describeDcs(content.dataCoding, 'gsm7');
  const sar = { sar_msg_ref_num: content.tlvs?.sar_msg_ref_num, sar_total_segments: content.tlvs?.sar_total_segments, sar_segment_seqnum: content.tlvs?.sar_segment_seqnum };
  const read = readPart({ octets: Buffer.isBuffer(payload) ? payload : content.shortMessage, esmClass: content.esmClass, sar }, { alphabet, packed: false });
  if (read.ok) return { ok: true, concat: read.value.concat };
  const { code, message } = read.problem;
  if (code === 'ODD_UCS2_LENGTH') return refuse('BAD_MESSAGE_LENGTH', message);
  const fromUdh = (content.esmClass & ESM_CLASS_UDHI) !== 0 && code !== 'BAD_SAR';
  return refuse(fromUdh ? 'BAD_UDH' : 'BAD_SAR', message);
}

const SMPP_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d)(\d{2})([+\-R])$/;

/**
 * An SMPP time (SMPP 3.4 §7.1.1) as epoch ms: absolute `YYMMDDhhmmsstnnp` (local time with
 * its offset from UTC in quarter hours, p '+' or '-') or relative `YYMMDDhhmmss000R` (from
 * `now`). null for an empty or unparseable value. Years are 20YY.
 */
export function parseSmppTime(value: string, now: number): number | null {
  const m = SMPP_TIME.exec(value);
  if (!m) return null;
  const [yy, mo, dd, hh, mi, ss, tenths, quarters, p] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7]), Number(m[8]), m[9]];
  if (p === 'R') {
    const base = new Date(now);
    base.setUTCFullYear(base.getUTCFullYear() + yy, base.getUTCMonth() + mo, base.getUTCDate() + dd);
    return base.getTime() + ((hh * 60 + mi) * 60 + ss) * 1000;
  }
  if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 59 || quarters > 48) return null;
  const local = Date.UTC(2000 + yy, mo - 1, dd, hh, mi, ss, tenths * 100);
  // A day past the month's end (31 February) would roll over: refuse it instead.
  if (new Date(local).getUTCDate() !== dd) return null;
  const offsetMs = quarters * 15 * 60_000;
  return p === '+' ? local - offsetMs : local + offsetMs;
}
