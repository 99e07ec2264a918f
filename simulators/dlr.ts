/**
 * Delivery receipts as carriers send them: deliver_sm with esm_class 0x04, the receipt text
 * of SMPP 3.4 Appendix B (`id: sub: dlvrd: submit date: done date: stat: err: text:`), and the
 * receipted_message_id / message_state / network_error_code TLVs (§5.3.2.12, .35, .30).
 */
import type { Behaviour, DlrStat } from '../src/config/simulator-schema.js';
import type { PduFields } from '../src/smpp/codec.js';

/** message_state values (SMPP 3.4 §5.2.28) for each receipt stat. */
export const MESSAGE_STATE: Record<DlrStat, number> = {
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
};

export interface DlrOutcome {
  stat: DlrStat;
  err: number;
}

/** Deterministic rules first (longest prefix wins), then the percentage mix; the rest is DELIVRD. */
export function chooseOutcome(dlr: Behaviour['dlr'], destination: string, random: () => number = Math.random): DlrOutcome {
  const digits = destination.replace(/^\+/, '');
  let best: { stat: DlrStat; err: number; len: number } | undefined;
  for (const rule of dlr.rules) {
    const prefix = rule.destinationPrefix.replace(/^\+/, '');
    if (digits.startsWith(prefix) && (!best || prefix.length > best.len)) best = { stat: rule.stat, err: rule.err, len: prefix.length };
  }
  if (best) return { stat: best.stat, err: best.err };
  let roll = random() * 100;
  for (const [stat, percent] of Object.entries(dlr.outcomes) as [DlrStat, number][]) {
    if (roll < percent) return { stat, err: stat === 'DELIVRD' ? 0 : defaultErr(stat) };
    roll -= percent;
  }
  return { stat: 'DELIVRD', err: 0 };
}

function defaultErr(stat: DlrStat): number {
  // Plausible GSM MAP causes: 1 unknown subscriber, 27 absent subscriber, 0 otherwise.
  if (stat === 'UNDELIV') return 1;
  if (stat === 'EXPIRED') return 27;
  return 0;
}

/** YYMMDDhhmm, the receipt's date format, in UTC. */
export function receiptDate(at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(at.getUTCFullYear() % 100)}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}${p(at.getUTCHours())}${p(at.getUTCMinutes())}`;
}

export interface ReceiptInput {
  messageId: string;
  outcome: DlrOutcome;
  submittedAt: Date;
  doneAt: Date;
  /** The original submit's addresses: the receipt travels back from destination to source. */
  source_addr: string;
  source_addr_ton: number;
  source_addr_npi: number;
  destination_addr: string;
  dest_addr_ton: number;
  dest_addr_npi: number;
  /** Up to 20 characters of the original text, when it was plain text. */
  textPreview: string;
}

export function receiptText(r: ReceiptInput): string {
  const three = (n: number) => String(n).padStart(3, '0');
  return (
    `id:${r.messageId} sub:001 dlvrd:${r.outcome.stat === 'DELIVRD' ? '001' : '000'} ` +
    `submit date:${receiptDate(r.submittedAt)} done date:${receiptDate(r.doneAt)} ` +
    `stat:${r.outcome.stat} err:${three(r.outcome.err)} text:${r.textPreview}`
  );
}

/** The deliver_sm fields of a receipt in the configured mode ('off' never gets here). */
export function receiptFields(r: ReceiptInput, mode: Exclude<Behaviour['dlr']['mode'], 'off'>): PduFields {
  const fields: PduFields = {
    source_addr_ton: r.dest_addr_ton,
    source_addr_npi: r.dest_addr_npi,
    source_addr: r.destination_addr,
    dest_addr_ton: r.source_addr_ton,
    dest_addr_npi: r.source_addr_npi,
    destination_addr: r.source_addr,
    esm_class: 0x04,
    short_message: mode === 'tlv' ? Buffer.alloc(0) : Buffer.from(receiptText(r), 'latin1'),
  };
  if (mode !== 'text') {
    fields.receipted_message_id = r.messageId;
    fields.message_state = MESSAGE_STATE[r.outcome.stat];
    // network_error_code: type 3 (GSM), then the error as two octets (§5.3.2.31).
    fields.network_error_code = Buffer.from([3, (r.outcome.err >> 8) & 0xff, r.outcome.err & 0xff]);
  }
  return fields;
}

/** What a receipt may quote of the message: up to 20 plain characters, else nothing. */
export function textPreview(shortMessage: Buffer, dataCoding: number, esmClass: number): string {
  const hasUdh = (esmClass & 0x40) !== 0;
  if (hasUdh || ![0x00, 0x01, 0x03].includes(dataCoding)) return '';
  return shortMessage.subarray(0, 20).toString('latin1').replace(/[^\x20-\x7e]/g, '.');
}
