/**
 * What the simulated SMSC does with a submit: the checks a carrier makes, in the order a
 * carrier makes them (window, then throughput, then injected faults), the message id, the
 * response after the configured latency, and the receipt after the configured delay.
 */
import type { Behaviour } from '../src/config/simulator-schema.js';
import type { Pdu, PduFields } from '../src/smpp/codec.js';
import type { SmppSession } from '../src/smpp/session.js';
import { STATUS } from '../src/smpp/status.js';
import { chooseOutcome, receiptFields, textPreview, type DlrOutcome } from './dlr.js';
import type { SimulatorCounters } from './counters.js';
import { MessageLog, type MessageRecord } from './records.js';
import { RateLimiter } from '../src/accounts/rate-limiter.js';
import { replyTo, type Reply } from './replies.js';

export interface SubmitContext {
  behaviour(): Behaviour;
  counters: SimulatorCounters;
  messages: MessageLog;
  random: () => number;
  /** Queues a deliver_sm for the account's receiver binds. */
  deliver(systemId: string, fields: PduFields, onDelivered?: () => void): void;
  /** Sends a subscriber's reply MO to the account's receiver binds. */
  reply(systemId: string, reply: Reply): void;
  /** Timers that must die with the simulator. */
  timers: Set<NodeJS.Timeout>;
}

/** Per-bind state: responses not yet sent (the carrier's window). */
export interface BindLoad {
  outstanding: number;
}

function pick(range: { min: number; max: number }, random: () => number): number {
  return range.min + Math.floor(random() * (range.max - range.min + 1));
}

function later(ctx: SubmitContext, delayMs: number, fn: () => void): void {
  if (delayMs <= 0) return fn();
  const timer = setTimeout(() => {
    ctx.timers.delete(timer);
    fn();
  }, delayMs);
  ctx.timers.add(timer);
}

export class SubmitHandler {
  /** The gateway's own per-account limiter: the same smooth one-second bucket carriers use. */
  private readonly limiter = new RateLimiter();
  private nextDecimalId = 1_000_000_000;

  constructor(private readonly ctx: SubmitContext) {}

  private newMessageId(): string {
    const id = this.nextDecimalId++;
    return this.ctx.behaviour().messageIdFormat === 'hex' ? id.toString(16).toUpperCase() : String(id);
  }

  /** The status a carrier would refuse this submit with, or ESME_ROK. */
  private admission(session: SmppSession, load: BindLoad, b: Behaviour): number {
    if (b.window > 0 && load.outstanding >= b.window) {
      this.ctx.counters.queueFull++;
      return STATUS.ESME_RMSGQFUL;
    }
    if (b.throughputPerAccount > 0) {
      if (!this.limiter.take(session.systemId ?? '', b.throughputPerAccount, Date.now())) {
        this.ctx.counters.throttled++;
        return STATUS.ESME_RTHROTTLED;
      }
    }
    if (b.errorInjection.percent > 0 && this.ctx.random() * 100 < b.errorInjection.percent) {
      this.ctx.counters.injectedErrors++;
      return b.errorInjection.status;
    }
    return STATUS.ESME_ROK;
  }

  /** submit_sm, data_sm and submit_multi: one message id, one receipt per destination. */
  handle(session: SmppSession, load: BindLoad, pdu: Pdu): void {
    const b = this.ctx.behaviour();
    this.ctx.counters.submitsReceived++;
    const status = this.admission(session, load, b);
    load.outstanding++;
    this.ctx.counters.maxOutstanding = Math.max(this.ctx.counters.maxOutstanding, load.outstanding);
    const respond = (fields: PduFields, st: number, afterwards?: () => void) =>
      later(this.ctx, pick(b.responseLatencyMs, this.ctx.random), () => {
        load.outstanding--;
        session.respond(pdu, fields, st);
        afterwards?.();
      });
    if (status !== STATUS.ESME_ROK) return respond({}, status);

    const messageId = this.newMessageId();
    const destinations =
      pdu.command === 'submit_multi'
        ? ((pdu.dest_address as { destination_addr?: string; dest_addr_ton?: number; dest_addr_npi?: number }[]) ?? []).filter((d) => d.destination_addr !== undefined)
        : [{ destination_addr: String(pdu.destination_addr ?? ''), dest_addr_ton: Number(pdu.dest_addr_ton ?? 0), dest_addr_npi: Number(pdu.dest_addr_npi ?? 0) }];
    const body = (pdu.short_message as Buffer | undefined)?.length ? (pdu.short_message as Buffer) : ((pdu.message_payload as Buffer | undefined) ?? Buffer.alloc(0));
    const record = this.ctx.messages.add({
      messageId,
      systemId: session.systemId ?? '',
      command: pdu.command,
      source_addr: String(pdu.source_addr ?? ''),
      destination_addr: destinations.map((d) => d.destination_addr ?? '').join(','),
      data_coding: Number(pdu.data_coding ?? 0),
      esm_class: Number(pdu.esm_class ?? 0),
      registered_delivery: Number(pdu.registered_delivery ?? 0),
      short_message_hex: body.toString('hex'),
      tlvs: pickTlvs(pdu),
      receivedAt: new Date(),
      state: 'ENROUTE',
    });
    this.ctx.counters.submitsAccepted++;

    const respFields: PduFields = pdu.command === 'submit_multi' ? { message_id: messageId, unsuccess_sme: [] } : { message_id: messageId };
    const receipts = destinations.map((d) => () => this.sendReceipt(record, pdu, body, d, b));
    // A subscriber can only answer a message the carrier took: after the response.
    const replies = () => this.sendReplies(record, pdu, body, destinations, b);
    const wantsReceipt = (Number(pdu.registered_delivery ?? 0) & 0x03) !== 0 && b.dlr.mode !== 'off';
    if (wantsReceipt && this.ctx.random() * 100 < b.dlr.beforeRespPercent) {
      // Carriers sometimes send the receipt before the response: the ESME must cope.
      for (const send of receipts) send();
      respond(respFields, STATUS.ESME_ROK, replies);
      return;
    }
    respond(respFields, STATUS.ESME_ROK, replies);
    later(this.ctx, pick(b.dlr.delayMs, this.ctx.random), () => {
      for (const send of receipts) send();
    });
  }

  private sendReplies(record: MessageRecord, pdu: Pdu, body: Buffer, destinations: { destination_addr?: string }[], b: Behaviour): void {
    for (const dest of destinations) {
      const mt = {
        source_addr: record.source_addr,
        source_addr_ton: Number(pdu.source_addr_ton ?? 0),
        destination_addr: dest.destination_addr ?? '',
        data_coding: record.data_coding,
        esm_class: record.esm_class,
        body,
      };
      const reply = replyTo(mt, b.replies);
      if (reply) later(this.ctx, pick(b.replies.delayMs, this.ctx.random), () => this.ctx.reply(record.systemId, reply));
    }
  }

  private sendReceipt(
    record: MessageRecord,
    pdu: Pdu,
    body: Buffer,
    dest: { destination_addr?: string; dest_addr_ton?: number; dest_addr_npi?: number },
    b: Behaviour,
  ): void {
    if (record.state === 'DELETED') return; // cancelled meanwhile
    const outcome: DlrOutcome = chooseOutcome(b.dlr, dest.destination_addr ?? '', this.ctx.random);
    record.state = outcome.stat === 'DELIVRD' ? 'DELIVERED' : outcome.stat === 'EXPIRED' ? 'EXPIRED' : outcome.stat === 'REJECTD' ? 'REJECTED' : 'UNDELIVERABLE';
    record.doneAt = new Date();
    // The message ends whether or not anyone asked; registered_delivery 2 asks for a receipt
    // on failure only (SMPP 3.4 §5.2.17).
    const asked = Number(pdu.registered_delivery ?? 0) & 0x03;
    if (asked === 0 || b.dlr.mode === 'off' || (asked === 2 && outcome.stat === 'DELIVRD')) return;
    const fields = receiptFields(
      {
        messageId: record.messageId,
        outcome,
        submittedAt: record.receivedAt,
        doneAt: record.doneAt,
        source_addr: String(pdu.source_addr ?? ''),
        source_addr_ton: Number(pdu.source_addr_ton ?? 0),
        source_addr_npi: Number(pdu.source_addr_npi ?? 0),
        destination_addr: dest.destination_addr ?? '',
        dest_addr_ton: dest.dest_addr_ton ?? 0,
        dest_addr_npi: dest.dest_addr_npi ?? 0,
        textPreview: textPreview(body, Number(pdu.data_coding ?? 0), Number(pdu.esm_class ?? 0)),
      },
      b.dlr.mode as Exclude<Behaviour['dlr']['mode'], 'off'>,
    );
    const copies = this.ctx.random() * 100 < b.dlr.duplicatePercent ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.ctx.counters.dlrsQueued++;
      this.ctx.deliver(record.systemId, fields, () => this.ctx.counters.dlrsSent++);
    }
  }
}

const MESSAGE_TLVS = ['message_payload', 'sar_msg_ref_num', 'sar_total_segments', 'sar_segment_seqnum', 'user_message_reference', 'payload_type'];

function pickTlvs(pdu: Pdu): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const name of MESSAGE_TLVS) {
    const v = pdu[name];
    if (v === undefined) continue;
    out[name] = Buffer.isBuffer(v) ? v.toString('hex') : (v as string | number);
  }
  return out;
}
