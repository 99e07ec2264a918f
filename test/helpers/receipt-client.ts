/**
 * A gateway client as the reliability tests need one: it submits continuously with
 * registered_delivery, and a ledger remembers, across every bind and daemon restart a test
 * puts it through, which message ids the gateway acknowledged (submit_sm_resp status 0)
 * and which receipts the client acknowledged, in which phase. The tests then compare the
 * two: every acknowledged message has its receipt, and which receipts came twice.
 */
import { EventEmitter } from 'node:events';
import { connectAndBind } from '../../src/smpp/client.js';
import type { Pdu, PduFields } from '../../src/smpp/codec.js';
import type { BindMode } from '../../src/smpp/bind-state.js';
import type { SmppSession } from '../../src/smpp/session.js';
import { STATUS } from '../../src/smpp/status.js';
import { quietLogger, testNumber } from './esme.js';

export interface LedgerReceipt {
  /** The phase of the test it arrived in (a bind, a daemon run). */
  phase: string;
  /** message_state TLV (2 = DELIVERED). */
  state: number;
}

export class ClientLedger {
  /** Ids the gateway acknowledged with submit_sm_resp 0: messages it owes a receipt for. */
  readonly accepted = new Set<string>();
  /** receipted_message_id → every receipt for it this client acknowledged, in order. */
  readonly receipts = new Map<string, LedgerReceipt[]>();
  private readonly changes = new EventEmitter();

  accept(id: string): void {
    this.accepted.add(id);
    this.changes.emit('change');
  }

  receipt(id: string, receipt: LedgerReceipt): void {
    const list = this.receipts.get(id) ?? [];
    list.push(receipt);
    this.receipts.set(id, list);
    this.changes.emit('change');
  }

  /** Ids with at least one receipt acknowledged in the phase. */
  receivedIn(phase: string): Set<string> {
    return new Set([...this.receipts].filter(([, list]) => list.some((r) => r.phase === phase)).map(([id]) => id));
  }

  /** Acknowledged messages without a receipt yet. */
  missing(): string[] {
    return [...this.accepted].filter((id) => !this.receipts.has(id));
  }

  /** Resolves once the condition holds; it is checked at every accept and receipt. */
  when(condition: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!condition()) return;
        this.changes.off('change', check);
        resolve();
      };
      this.changes.on('change', check);
      check();
    });
  }
}

/**
 * Binds to the gateway and acknowledges (status 0) every deliver_sm, recording receipts in
 * the ledger under `phase`. The response is written before the ledger counts it: whatever
 * the ledger holds, the client did answer.
 */
export function bindLedgerClient(opts: { port: number; systemId: string; password: string; ledger: ClientLedger; phase: string; mode?: BindMode }): Promise<SmppSession> {
  return connectAndBind({
    host: '127.0.0.1',
    port: opts.port,
    connectTimeoutMs: 5_000,
    mode: opts.mode ?? 'transceiver',
    credentials: { system_id: opts.systemId, password: opts.password },
    session: { windowSize: 100, responseTimeoutMs: 10_000, maxPduBytes: 65_536, logger: quietLogger },
    onRequest: (pdu: Pdu, session: SmppSession) => {
      if (pdu.command !== 'deliver_sm') return;
      session.respond(pdu, { message_id: '' });
      if ((Number(pdu.esm_class) & 0x3c) === 0x04) {
        opts.ledger.receipt(String(pdu.receipted_message_id), { phase: opts.phase, state: Number(pdu.message_state) });
      }
    },
  });
}

/** An SMS asking for a receipt, to a generated number. */
export function receiptSms(fields: PduFields = {}): PduFields {
  return {
    source_addr_ton: 1,
    source_addr_npi: 1,
    source_addr: '998712000001',
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: testNumber(),
    registered_delivery: 1,
    short_message: Buffer.from('load'),
    ...fields,
  };
}

export interface SubmitTally {
  accepted: number;
  /** Answered with an error status (throttled, queue full …). */
  refused: number;
  /** Sent but never answered: the session closed under them (their fate is unknown to the client). */
  unanswered: number;
}

/**
 * Keeps `outstanding` submits in flight until stopped or the session closes, recording
 * every acknowledged id in the ledger. `done` resolves with the tally once all settled.
 */
export function submitContinuously(session: SmppSession, ledger: ClientLedger, opts: { outstanding: number; count?: number }) {
  const tally: SubmitTally = { accepted: 0, refused: 0, unanswered: 0 };
  let stopped = false;
  let sent = 0;
  // Only while bound: once either side unbinds, a submit would be refused before it left.
  const more = () => !stopped && (session.state === 'bound_trx' || session.state === 'bound_tx') && (opts.count === undefined || sent < opts.count);
  const worker = async () => {
    while (more()) {
      sent++;
      let resp: Pdu;
      try {
        resp = await session.request('submit_sm', receiptSms());
      } catch {
        tally.unanswered++;
        // The session closed (the loop ends) or is closing: yield so that it can.
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      if (resp.command_status === STATUS.ESME_ROK) {
        tally.accepted++;
        ledger.accept(String(resp.message_id));
      } else {
        tally.refused++;
        await new Promise((r) => setTimeout(r, 20)); // over throughput: let the bucket refill
      }
    }
  };
  const done = Promise.all(Array.from({ length: opts.outstanding }, worker)).then(() => tally);
  return {
    tally,
    done,
    stop(): Promise<SubmitTally> {
      stopped = true;
      return done;
    },
  };
}
