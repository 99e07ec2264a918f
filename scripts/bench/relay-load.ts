/**
 * The relay benchmark's load generator: one ESME, bound as a transceiver, that keeps
 * `window` submit_sm outstanding (or offers them at `rate` msg/s, never more than `window`
 * outstanding), asks for a receipt on each, times every submit → submit_sm_resp, answers
 * every deliver_sm and counts the receipts that match a message it had accepted. It waits
 * for the last receipt up to a deadline and then reports what is missing rather than hang.
 * The same code drives the gateway and the simulator directly, so the two compare.
 */
import { parseReceipt } from '../../src/carriers/receipt-parser.js';
import { connectAndBind } from '../../src/smpp/client.js';
import { STATUS } from '../../src/smpp/status.js';
import { createLogger } from '../../src/obs/logger.js';
import { testNumber } from '../../test/helpers/esme.js';
import type { Credentials } from './relay-config.js';

/** After the last submit_sm_resp, receipts get as long again as the submits took, plus this. */
const RECEIPT_GRACE_MS = 120_000;
const PROGRESS_EVERY_MS = 1_000;

export interface LoadOptions {
  label: string;
  port: number;
  credentials: Credentials;
  messages: number;
  window: number;
  /** Offered msg/s; undefined: as fast as the window allows. */
  rate: number | undefined;
  progress: boolean;
}

export interface LoadResult {
  /** submit_sm answered with status 0. */
  accepted: number;
  /** submit_sm answered with an error status (throttled, queue full, ...): no receipt expected. */
  rejected: number;
  /** Distinct receipts that matched an accepted message. */
  dlrs: number;
  dlrsMissing: number;
  /** Receipts for an id already counted: a redelivery (receipts are at-least-once). */
  dlrsDuplicate: number;
  /** First submit → last submit_sm_resp. */
  submitMs: number;
  /** First submit → last matched receipt. */
  receiptMs: number;
  /** Every submit → submit_sm_resp, in ms, sorted. */
  latenciesMs: number[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const awaiting = new Set<string>(); // accepted, receipt not seen yet
  const early = new Set<string>(); // receipts read before their submit_sm_resp
  const seen = new Set<string>();
  let dlrs = 0;
  let dlrsDuplicate = 0;
  let lastReceiptAt = 0;
  let onReceipt: () => void = () => undefined;
  const countReceipt = (id: string) => {
    awaiting.delete(id);
    seen.add(id);
    dlrs++;
    lastReceiptAt = performance.now();
    onReceipt();
  };

  const session = await connectAndBind({
    host: '127.0.0.1',
    port: opts.port,
    connectTimeoutMs: 10_000,
    mode: 'transceiver',
    credentials: { system_id: opts.credentials.systemId, password: opts.credentials.password },
    session: { windowSize: opts.window, responseTimeoutMs: 60_000, maxPduBytes: 65_536, logger: createLogger({ level: 'error', stream: process.stderr }) },
    onRequest: (pdu, s) => {
      if (pdu.command !== 'deliver_sm') return;
      s.respond(pdu, { message_id: '' });
      // The gateway's own receipt parser: TLV or text, as from any carrier.
      const id = parseReceipt(pdu as Parameters<typeof parseReceipt>[0])?.carrierMessageId;
      if (id === undefined) return;
      if (awaiting.has(id)) countReceipt(id);
      else if (seen.has(id)) dlrsDuplicate++;
      else early.add(id);
    },
  });

  const latencies = new Float64Array(opts.messages);
  let answered = 0;
  let accepted = 0;
  let lastRespAt = 0;
  let sessionError: unknown;
  const fields = {
    source_addr_ton: 5,
    source_addr_npi: 0,
    source_addr: 'BENCH',
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    registered_delivery: 1,
    short_message: Buffer.from('benchmark message body'),
  };
  const started = performance.now();
  const progress = opts.progress
    ? setInterval(() => {
        const s = (performance.now() - started) / 1000;
        process.stderr.write(`\r${opts.label}: ${answered}/${opts.messages} answered, ${dlrs} receipts, ${Math.round(answered / s)} msg/s   `);
      }, PROGRESS_EVERY_MS)
    : undefined;

  // Resolved once every submit sent has its answer (all of them, unless the session failed).
  let sent = 0;
  let sending = true;
  let allAnswered: () => void = () => undefined;
  const answeredAll = new Promise<void>((resolve) => (allAnswered = resolve));
  const onAnswer = () => {
    lastRespAt = performance.now();
    if (++answered === sent && !sending) allAnswered();
  };
  try {
    for (let i = 0; i < opts.messages && sessionError === undefined; i++) {
      if (opts.rate !== undefined) {
        const wait = started + (i * 1000) / opts.rate - performance.now();
        if (wait >= 1) await sleep(wait);
      }
      if (!session.windowHasRoom) await session.whenWindowHasRoom();
      const t0 = performance.now();
      sent++;
      session.request('submit_sm', { ...fields, destination_addr: testNumber(i) }).then(
        (resp) => {
          latencies[i] = performance.now() - t0;
          if (resp.command_status === STATUS.ESME_ROK) {
            accepted++;
            const id = String(resp.message_id);
            if (early.delete(id)) countReceipt(id);
            else awaiting.add(id);
          }
          onAnswer();
        },
        (err: unknown) => {
          sessionError ??= err;
          onAnswer();
        },
      );
    }
    sending = false;
    if (answered < sent) await answeredAll;
    if (sessionError !== undefined) throw new Error(`${opts.label}: the session failed, the run is void: ${String(sessionError)}`);

    // Receipts: all in, or the deadline.
    if (awaiting.size > 0) {
      const deadlineMs = lastRespAt - started + RECEIPT_GRACE_MS;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadlineMs);
        onReceipt = () => {
          if (awaiting.size > 0) return;
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    clearInterval(progress);
    if (opts.progress) process.stderr.write('\n');
    await session.unbind();
  }
  return {
    accepted,
    rejected: answered - accepted,
    dlrs,
    dlrsMissing: awaiting.size,
    dlrsDuplicate,
    submitMs: lastRespAt - started,
    receiptMs: (accepted === 0 ? lastRespAt : Math.max(lastReceiptAt, lastRespAt)) - started,
    latenciesMs: Array.from(latencies.subarray(0, sent).sort()),
  };
}
