/**
 * Log redaction policy (PRODUCT.md: logs never carry a full masked number or a body).
 *
 * Every log record is rewritten by `redact` before any output format sees it. A field is
 * judged by its name first, then every string left over goes through a safety net:
 *
 * - secret names (password, token, apiKey, masterKey, cookie, …, and names ending in
 *   Password/Secret/Token/Key) → `[redacted]`, whatever the value;
 * - body names (short_message, message_payload, body, text, content, payload, sms, udh)
 *   → a length, `[23 chars]` or `[142 bytes]`; everything nested under them too;
 * - number names (msisdn, phone, destination_addr, from, to, sender, …, and names ending in
 *   Number/Msisdn/Addr) → `…567` when the value holds 4 or more digits; an alphanumeric
 *   sender such as `ACME` is no personal number and stays;
 * - id names (`id`, names ending in `_id`/`Id`/`Ids`, `mid`, `sid`, `seq`,
 *   `sequence_number`) are exempt from the safety net, because a long decimal message id
 *   looks like a phone number and is what an operator greps for;
 * - safety net, over every other string including the log text and Error messages and
 *   stacks: a run of 7 or more digits (optional `+`, up to two spaces, dashes or
 *   parentheses between digits) → its last 3 digits. E.164 stops at 15 digits, but longer runs are
 *   masked too so that two numbers written back to back cannot leak. ISO dates are
 *   skipped, so timestamps survive.
 *
 * Plain numbers (counters, byte sizes, epoch times) are left alone outside number fields:
 * phone numbers come off the wire and the CLI as strings. Byte arrays anywhere become
 * `[n bytes]`, never their content. The walk copies, never mutates, stops at
 * MAX_DEPTH and marks cycles.
 */

import winston from 'winston';

type FieldKind = 'secret' | 'body' | 'phone' | 'id' | 'plain';

const MAX_DEPTH = 8;

const SECRET_NAMES = new Set([
  'password', 'passwd', 'secret', 'token', 'apikey', 'api_key', 'key', 'masterkey', 'master_key',
  'authorization', 'cookie', 'set-cookie', 'privatekey', 'private_key',
]);
const SECRET_SUFFIXES = ['password', 'secret', 'token', 'key'];

const BODY_NAMES = new Set(['short_message', 'message_payload', 'body', 'text', 'content', 'payload', 'sms', 'udh']);

// names ending in a PHONE_SUFFIXES entry (msisdn, realNumber, destination_addr) need no row here
const PHONE_NAMES = new Set([
  'msisdns', 'numbers', 'phone', 'destination', 'source', 'from', 'to', 'sender', 'recipient', 'recipients',
  // an id by its suffix, but a sender id is often a phone number itself
  'sender_id', 'senderid', 'caller_id', 'callerid',
]);
const PHONE_SUFFIXES = ['number', 'msisdn', 'addr'];

const ID_NAMES = new Set(['id', 'mid', 'sid', 'seq', 'sequence_number']);

// Dates first, so that `2024-01-31` is kept rather than read as an 8-digit number.
const DATE_OR_PHONE =
  /(\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)|(\+?\d(?:[ ()-]{0,2}\d){6,})/g;

function kindOf(name: string): FieldKind {
  const lower = name.toLowerCase();
  if (SECRET_NAMES.has(lower) || SECRET_SUFFIXES.some((s) => lower.endsWith(s))) return 'secret';
  if (BODY_NAMES.has(lower)) return 'body';
  if (PHONE_NAMES.has(lower)) return 'phone';
  if (ID_NAMES.has(lower) || /_ids?$/.test(lower) || /[a-z0-9](?:Id|ID|Ids)$/.test(name)) return 'id';
  if (PHONE_SUFFIXES.some((s) => lower.endsWith(s))) return 'phone';
  return 'plain';
}

function lastDigits(digits: string): string {
  return `…${digits.slice(-3)}`;
}

/** The safety net: masks every phone-like run in free text. */
function maskPhones(text: string): string {
  return text.replace(DATE_OR_PHONE, (match: string, date: string | undefined) =>
    date !== undefined ? match : lastDigits(match.replace(/\D/g, '')),
  );
}

function maskNumberField(text: string): string {
  const digits = text.replace(/\D/g, '');
  return digits.length >= 4 ? lastDigits(digits) : text;
}

function redactString(text: string, kind: FieldKind): string {
  switch (kind) {
    case 'body':
      return `[${Array.from(text).length} chars]`;
    case 'phone':
      return maskNumberField(text);
    case 'id':
      return text;
    default:
      return maskPhones(text);
  }
}

function isBytes(value: object): value is ArrayBufferView | ArrayBuffer {
  return ArrayBuffer.isView(value) || value instanceof ArrayBuffer;
}

function walk(value: unknown, kind: FieldKind, depth: number, ancestors: Set<object>): unknown {
  if (value === null || value === undefined) return value;
  if (kind === 'secret') return '[redacted]';
  if (typeof value === 'string') return redactString(value, kind);
  // bigint goes out as a string too: JSON cannot hold it
  if (typeof value === 'bigint') return kind === 'phone' ? maskNumberField(String(value)) : String(value);
  if (typeof value === 'number') return kind === 'phone' ? maskNumberField(String(value)) : value;
  if (typeof value !== 'object') return value;
  if (isBytes(value)) return `[${value.byteLength} bytes]`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (depth >= MAX_DEPTH) return '[depth limit]';
  if (ancestors.has(value)) return '[circular]';

  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => walk(item, kind, depth + 1, ancestors));
    const out: Record<string, unknown> = {};
    if (value instanceof Error) {
      out.name = value.name;
      out.message = maskPhones(value.message);
    }
    for (const [key, child] of Object.entries(value)) {
      // under a body, everything is body: node-smpp nests { udh, message } there
      const childKind = kind === 'body' ? 'body' : kindOf(key);
      out[maskPhones(key)] = walk(child, childKind, depth + 1, ancestors);
    }
    if (value instanceof Error) {
      if (value.stack !== undefined) out.stack = maskPhones(value.stack);
      if (value.cause !== undefined) out.cause = walk(value.cause, 'plain', depth + 1, ancestors);
    }
    return out;
  } finally {
    ancestors.delete(value);
  }
}

/**
 * Returns a redacted copy of `value`, judged as the content of a field named `fieldName`
 * (free text when omitted). Errors become plain `{ name, message, …, stack }` records.
 */
export function redact(value: unknown, fieldName?: string): unknown {
  return walk(value, fieldName === undefined ? 'plain' : kindOf(fieldName), 0, new Set());
}

const LEVEL = Symbol.for('level');

/**
 * The winston format applying `redact` to a whole record. Only the level symbol is carried
 * over, since transports route by it; the splat symbol holds the caller's raw arguments and
 * is dropped so that no later format can print them.
 */
export const redaction = winston.format((info) => {
  const out = redact(info) as winston.Logform.TransformableInfo;
  out[LEVEL] = info[LEVEL];
  return out;
});
