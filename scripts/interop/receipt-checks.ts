/**
 * What a delivery receipt must look like to a foreign ESME, checked on the deliver_sm as
 * Net::SMPP decoded it: esm_class 0x04 (SMPP 3.4 §5.2.12), the receipt text of Appendix B
 * (`id: sub: dlvrd: submit date: done date: stat: err: text:`), and the TLVs
 * receipted_message_id (C-Octet String, at most 65 octets with its NUL, §5.3.2.12),
 * message_state (one octet, §5.3.2.35, values of §5.2.28) and network_error_code (three
 * octets, §5.3.2.31). Every problem is listed, not just the first. A quoted receipt text
 * never shows its `text:` part, which may echo a message body.
 */
import { hex, num, octets, str, type PerlPdu } from './perl-pdu.js';

/** SMPP 3.4 §5.2.28 message_state for each receipt stat. */
export const MESSAGE_STATE: Record<string, number> = { DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6, UNKNOWN: 7, REJECTD: 8 };

/** Receipt dates are minutes without a zone; allow a day of clock or zone skew either way. */
const DATE_SKEW_MS = 26 * 3_600_000;

const RECEIPT_TEXT = /^id:(\S{1,65}) sub:(\d{3}) dlvrd:(\d{3}) submit date:(\d{10}) done date:(\d{10}) stat:([A-Z]{7}) err:(\d{3}) [Tt]ext:(.*)$/s;

export interface ReceiptText {
  id: string;
  submitDate: string;
  doneDate: string;
  stat: string;
  err: string;
  text: string;
}

export interface ReceiptExpectation {
  /** The message id the submitter got in its submit_sm_resp. */
  messageId: string;
  stat: keyof typeof MESSAGE_STATE;
  /** Where the receipt must carry its data: the text, the TLVs, or both. */
  carries: 'text' | 'tlv' | 'text+tlv';
  /** The gateway never echoes a body: its `text:` must be empty. */
  emptyText?: boolean;
}

export function quoteReceiptText(text: string): string {
  return JSON.stringify(text.replace(/([Tt]ext:)(.*)$/s, (_, label: string, rest: string) => `${label}[${rest.length} chars]`));
}

export function parseReceiptText(text: string): ReceiptText | undefined {
  const m = RECEIPT_TEXT.exec(text);
  if (!m) return undefined;
  return { id: m[1]!, submitDate: m[4]!, doneDate: m[5]!, stat: m[6]!, err: m[7]!, text: m[8]! };
}

function receiptDateMs(yymmddhhmm: string): number {
  const [yy, mo, dd, hh, mi] = (yymmddhhmm.match(/\d\d/g) ?? []).map(Number);
  return Date.UTC(2000 + yy!, mo! - 1, dd!, hh!, mi!);
}

function textProblems(pdu: PerlPdu, expect: ReceiptExpectation): string[] {
  const text = octets(pdu, 'short_message')?.toString('latin1') ?? '';
  if (text === '') return expect.carries === 'tlv' ? [] : ['short_message is empty: no receipt text'];
  const r = parseReceiptText(text);
  if (!r) return [`receipt text does not follow SMPP 3.4 Appendix B: ${quoteReceiptText(text)}`];
  const problems: string[] = [];
  if (r.id !== expect.messageId) problems.push(`receipt text id:${r.id} is not the submitted message's id ${expect.messageId}`);
  if (r.stat !== expect.stat) problems.push(`receipt text stat:${r.stat}, expected ${expect.stat}`);
  if (expect.emptyText && r.text !== '') problems.push(`receipt text echoes ${r.text.length} characters after text: (expected none)`);
  if (r.text.length > 20) problems.push(`receipt text: field holds ${r.text.length} characters; Appendix B allows the first 20`);
  const now = Date.now();
  for (const [label, date] of [['submit date', r.submitDate], ['done date', r.doneDate]] as const) {
    const at = receiptDateMs(date);
    if (Number.isNaN(at) || Math.abs(at - now) > DATE_SKEW_MS) problems.push(`receipt ${label}:${date} is not a YYMMDDhhmm time near now`);
  }
  if (receiptDateMs(r.doneDate) < receiptDateMs(r.submitDate)) problems.push(`receipt done date:${r.doneDate} is before submit date:${r.submitDate}`);
  return problems;
}

function tlvProblems(pdu: PerlPdu, expect: ReceiptExpectation): string[] {
  const problems: string[] = [];
  const receipted = octets(pdu, 'receipted_message_id');
  const state = octets(pdu, 'message_state');
  if (expect.carries === 'text') return problems;
  if (!receipted) {
    problems.push('no receipted_message_id TLV (0x001E)');
  } else {
    if (receipted.at(-1) !== 0) problems.push(`receipted_message_id (${receipted.length} octets) is not NUL-terminated; §5.3.2.12 makes it a C-Octet String`);
    if (receipted.length > 65) problems.push(`receipted_message_id holds ${receipted.length} octets; at most 65`);
    const id = receipted.toString('latin1').replace(/\0$/, '');
    if (id !== expect.messageId) problems.push(`receipted_message_id is ${JSON.stringify(id)}, expected ${expect.messageId}`);
  }
  if (!state) {
    problems.push('no message_state TLV (0x0427)');
  } else if (state.length !== 1) {
    problems.push(`message_state TLV has ${state.length} octets; §5.3.2.35 says 1`);
  } else if (state[0] !== MESSAGE_STATE[expect.stat]) {
    problems.push(`message_state is ${state[0]}, expected ${MESSAGE_STATE[expect.stat]} (${expect.stat})`);
  }
  const networkError = octets(pdu, 'network_error_code');
  if (networkError && networkError.length !== 3) problems.push(`network_error_code TLV has ${networkError.length} octets; §5.3.2.31 says 3`);
  return problems;
}

/** Throws, listing every problem, unless `pdu` is the expected receipt. */
export function checkReceipt(pdu: PerlPdu, expect: ReceiptExpectation): void {
  if (pdu.command !== 'deliver_sm') throw new Error(`expected a deliver_sm receipt, got ${pdu.command}`);
  const problems: string[] = [];
  const esmClass = num(pdu, 'esm_class');
  if (esmClass !== 0x04) problems.push(`esm_class is ${hex(esmClass)}, expected 0x04 (SMSC delivery receipt)`);
  problems.push(...textProblems(pdu, expect), ...tlvProblems(pdu, expect));
  if (problems.length > 0) throw new Error(problems.join('; '));
}

/** The id a receipt is for: receipted_message_id, else the text's id: field. */
export function receiptId(pdu: PerlPdu): string | undefined {
  const tlv = str(pdu, 'receipted_message_id');
  if (tlv !== undefined) return tlv.replace(/\0$/, '');
  return parseReceiptText(octets(pdu, 'short_message')?.toString('latin1') ?? '')?.id;
}
