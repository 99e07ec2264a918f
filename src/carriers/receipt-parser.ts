/**
 * Carrier delivery receipts: from a deliver_sm's (or data_sm's) plain fields to what the
 * message domain needs, and the key under which a receipt meets its submit_sm_resp.
 *
 * A receipt says so in esm_class (bits 5–2 = 0001, SMPP 3.4 §5.2.12), or carries the
 * receipted_message_id and message_state TLVs (§5.3.2.12, §5.3.2.35) without the flag, as
 * some SMSCs do. receipted_message_id alone is not enough: some carriers put their own
 * ticket id in it on ordinary MO messages.
 *
 * The TLVs win over the text when both are present: they are typed, the text is free-form.
 * The text follows SMPP 3.4 Appendix B,
 *   id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:…
 * and real carriers bend it every way, so the parser reads each field by its key, in any
 * order and any case, and lets any of them be missing:
 * - `submit date` also as `submit_date` or `submitdate`, likewise `done date`; dates of 10
 *   or 12 digits (with seconds) are kept as written;
 * - spaces after the colon (`id: 123`), several spaces between fields, unknown extra fields;
 * - `stat` spelt DELIVRD or DELIVERED, UNDELIV or UNDELIVERABLE, REJECTD or REJECTED,
 *   ACCEPTD or ACCEPTED, and EXPIRED, DELETED, UNKNOWN, ENROUTE;
 * - `err` in decimal (`err:000`, `err:375`) or hex (`err:00B`, `err:0x1F`);
 * - `text:` (or `Text:`) comes last and is free: nothing after it is read as a field;
 * - text sent as UCS2 (NUL high octets in plain ASCII) reads the same once NULs are dropped.
 *
 * This file takes plain fields, not a PDU, so it needs nothing from smpp/.
 */
import type { MessageState } from '../messages/types.js';

export interface ReceiptFields {
  esm_class?: number;
  short_message?: Buffer;
  message_payload?: Buffer;
  receipted_message_id?: string;
  message_state?: number;
  network_error_code?: Buffer;
}

export interface ParsedReceipt {
  /** The carrier's id for the message, as written; match it through carrierIdKey. */
  carrierMessageId: string;
  state: MessageState;
  /** The text's stat: field as written, null when the text has none. */
  stat: string | null;
  /** network_error_code's error, else the text's err:, else 0. */
  errorCode: number;
  /** As written in the text: YYMMDDhhmm or YYMMDDhhmmss. */
  submitDate?: string;
  doneDate?: string;
}

/** esm_class bits 5–2: the message type; 0001 is an SMSC delivery receipt (SMPP 3.4 §5.2.12). */
const MESSAGE_TYPE_MASK = 0x3c;
const SMSC_DELIVERY_RECEIPT = 0x04;

/** message_state values, SMPP 3.4 §5.2.28. */
const TLV_STATES: Readonly<Record<number, MessageState>> = {
  1: 'ENROUTE',
  2: 'DELIVERED',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIVERABLE',
  6: 'ACCEPTED',
  7: 'UNKNOWN',
  8: 'REJECTED',
};

/** stat: spellings, the 7-letter ones of Appendix B and the long ones vendors write. */
const STAT_STATES: Readonly<Record<string, MessageState>> = {
  ENROUTE: 'ENROUTE',
  DELIVRD: 'DELIVERED',
  DELIVERED: 'DELIVERED',
  EXPIRED: 'EXPIRED',
  DELETED: 'DELETED',
  UNDELIV: 'UNDELIVERABLE',
  UNDELIVERABLE: 'UNDELIVERABLE',
  ACCEPTD: 'ACCEPTED',
  ACCEPTED: 'ACCEPTED',
  UNKNOWN: 'UNKNOWN',
  REJECTD: 'REJECTED',
  REJECTED: 'REJECTED',
};

type TextField = 'id' | 'sub' | 'dlvrd' | 'submitDate' | 'doneDate' | 'stat' | 'err';

/**
 * One field: a known key at the start or after whitespace, a colon, then a value up to the
 * next whitespace. A value may not hold a colon, so in `sub: dlvrd:001` sub is empty rather
 * than "dlvrd:001".
 */
const FIELD = /(?:^|\s)(id|sub|dlvrd|submit[\s_]*date|done[\s_]*date|stat|err)\s*:[ \t]*([^\s:]*)(?=\s|$)/gi;
const TEXT_KEY = /(?:^|\s)text\s*:/i;

export function parseReceipt(fields: ReceiptFields): ParsedReceipt | null {
  const flagged = ((fields.esm_class ?? 0) & MESSAGE_TYPE_MASK) === SMSC_DELIVERY_RECEIPT;
  const tlvId = nonEmpty(fields.receipted_message_id);
  if (!flagged && (tlvId === undefined || fields.message_state === undefined)) return null;

  const body = fields.short_message !== undefined && fields.short_message.length > 0 ? fields.short_message : fields.message_payload;
  const text = body === undefined ? new Map<TextField, string>() : parseText(body);

  // A receipt we cannot tie to a message is of no use to anyone.
  const carrierMessageId = tlvId ?? nonEmpty(text.get('id'));
  if (carrierMessageId === undefined) return null;

  const stat = nonEmpty(text.get('stat')) ?? null;
  const tlvState = fields.message_state === undefined ? undefined : TLV_STATES[fields.message_state];
  const textState = stat === null ? undefined : STAT_STATES[stat.toUpperCase()];
  const receipt: ParsedReceipt = {
    carrierMessageId,
    state: tlvState ?? textState ?? 'UNKNOWN',
    stat,
    errorCode: networkError(fields.network_error_code) ?? errorNumber(text.get('err')) ?? 0,
  };
  const submitDate = nonEmpty(text.get('submitDate'));
  const doneDate = nonEmpty(text.get('doneDate'));
  if (submitDate !== undefined) receipt.submitDate = submitDate;
  if (doneDate !== undefined) receipt.doneDate = doneDate;
  return receipt;
}

function parseText(body: Buffer): Map<TextField, string> {
  // Receipt text is ASCII; latin1 maps every octet, and UCS2 text loses only its NUL octets.
  const whole = body.toString('latin1').replace(/\0/g, '');
  const textAt = whole.search(TEXT_KEY);
  const head = textAt === -1 ? whole : whole.slice(0, textAt);
  const found = new Map<TextField, string>();
  for (const [, key = '', value = ''] of head.matchAll(FIELD)) {
    const field = fieldName(key);
    // The first occurrence counts, as a repeated key is more likely noise than a correction.
    if (!found.has(field)) found.set(field, value);
  }
  return found;
}

function fieldName(key: string): TextField {
  const k = key.toLowerCase();
  if (k.startsWith('submit')) return 'submitDate';
  if (k.startsWith('done')) return 'doneDate';
  return k as TextField;
}

/** network_error_code: 3 octets, the network type then the error code, big-endian (§5.3.2.31). */
function networkError(tlv: Buffer | undefined): number | undefined {
  return tlv !== undefined && tlv.length >= 3 ? tlv.readUInt16BE(1) : undefined;
}

/** err: decimal when all digits (the common `err:000`), hex when it has a-f or a 0x prefix. */
function errorNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return Number.parseInt(value, 10);
  const hex = /^(?:0x)?([0-9a-f]+)$/i.exec(value)?.[1];
  return hex === undefined ? undefined : Number.parseInt(hex, 16);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

const DECIMAL = /^\d+$/;
const HEX = /^[0-9a-f]+$/i;

/**
 * The key under which a submit_sm_resp's message_id and a receipt's id meet, so a receipt
 * finds its message whichever way the carrier writes the id (and whichever comes first).
 *
 * Carriers write one id two ways: most in hex in both places; some, as Kannel's
 * msg-id-type 0x01 describes, in hex in the submit_sm_resp and in decimal in receipts
 * (often zero-padded to 10 digits). So an id is read as a number and keyed by its value:
 * - at a 'hex' carrier, as hex;
 * - at a 'decimal' carrier, as decimal when all digits, else as hex (a resp id with a-f is
 *   hex whatever the setting says, and so is a receipt id, which then echoes it);
 * - an id that is neither (a UUID, dashes, other letters) is its own key, lower-cased.
 * Keys are canonical decimal strings of the value, so leading zeros never matter.
 *
 * Under these rules a resp id and a receipt id are read alike, so the role does not change
 * the key; call sites still say which id they hold, which documents the match at both ends.
 *
 * Known limit: at a 'decimal' carrier, a hex resp id made only of digits ("123", meaning
 * 0x123) is read as decimal and will not meet its receipt. Such a carrier cannot be told
 * from one that writes decimal ids everywhere without more configuration.
 */
export function carrierIdKey(id: string, _role: 'resp' | 'receipt', dlrIdFormat: 'hex' | 'decimal'): string {
  const s = id.trim();
  if (dlrIdFormat === 'decimal' && DECIMAL.test(s)) return BigInt(s).toString();
  if (HEX.test(s)) return BigInt(`0x${s}`).toString();
  return s.toLowerCase();
}
