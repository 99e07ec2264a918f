/**
 * The relay benchmark's load generator: one ESME, bound as a transceiver, that keeps
 * `window` submit_sm outstanding (or offers them at `rate` msg/s, never more than `window`
 * outstanding), asks for a receipt on each, times every submit → submit_sm_resp, answers
 * every deliver_sm and counts the receipts that match a message it had accepted. It waits
 * for the last receipt up to a deadline and then reports what is missing rather than hang.
 * The same code drives the gateway and the simulator directly, so the two compare.
 * Its bind and its submit loop (`bindLoadEsme`, `submitAll`) also drive the masks
 * benchmark's round trips (round-trip-load.ts).
 */
import { parseReceipt } from '../../src/carriers/receipt-parser.js';
import { connectAndBind } from '../../src/smpp/client.js';
import { STATUS } from '../../src/smpp/status.js';
import { createLogger } from '../../src/obs/logger.js';
import type { Pdu, PduFields } from '../../src/smpp/codec.js';
import type { SmppSession } from '../../src/smpp/session.js';
import { testNumber } from '../../test/helpers/esme.js';
import type { Credentials } from './relay-config.js';

/** After the last submit_sm_resp, receipts get as long again as the submits took, plus this. */
export const RECEIPT_GRACE_MS = 120_000;
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

/** The load generator's bind: a transceiver that answers every deliver_sm 0 and hands it on. */
export function bindLoadEsme(opts: Pick<LoadOptions, 'port' | 'credentials' | 'window'>, onDeliver: (pdu: Pdu) => void): Promise<SmppSession> {
  return connectAndBind({
    host: '127.0.0.1',
    port: opts.port,
    connectTimeoutMs: 10_000,
    mode: 'transceiver',
    credentials: { system_id: opts.credentials.systemId, password: opts.credentials.password },
    session: { windowSize: opts.window, responseTimeoutMs: 60_000, maxPduBytes: 65_536, logger: createLogger({ level: 'error', stream: process.stderr }) },
    onRequest: (pdu, s) => {
      if (pdu.command !== 'deliver_sm') return;
      s.respond(pdu, { message_id: '' });
      onDeliver(pdu);
    },
  });
}

export interface SubmitPlan {
  label: string;
  messages: number;
  window: number;
  rate: number | undefined;
  progress: boolean;
  /** The i-th submit_sm. */
  fields(i: number): PduFields;
  /** Every submit_sm_resp, whatever its status. */
  onResponse(i: number, resp: Pdu): void;
  /** Awaited before each submit when it returns a promise: a bound on what is outstanding beyond the window. */
  beforeSubmit?(): Promise<void> | undefined;
  /** What the progress line adds after the count of answers, e.g. "12 receipts". */
  progressNote(): string;
}

export interface SubmitOutcome {
  sent: number;
  answered: number;
  accepted: number;
  started: number;
  /** performance.now() of the last submit_sm_resp. */
  lastRespAt: number;
  /** Every submit → submit_sm_resp, in ms, sorted. */
  latenciesMs: number[];
}

/**
 * Keeps `window` submit_sm outstanding (or offers them at `rate` msg/s, never more than
 * `window` outstanding) until every one is answered; throws if the session failed.
 */
export async function submitAll(session: SmppSession, plan: SubmitPlan): Promise<SubmitOutcome> {
  const latencies = new Float64Array(plan.messages);
  let answered = 0;
  let accepted = 0;
  let lastRespAt = 0;
  let sessionError: unknown;
  const started = performance.now();
  const progress = plan.progress
    ? setInterval(() => {
        const s = (performance.now() - started) / 1000;
        process.stderr.write(`\r${plan.label}: ${answered}/${plan.messages} answered, ${plan.progressNote()}, ${Math.round(answered / s)} msg/s   `);
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
    for (let i = 0; i < plan.messages && sessionError === undefined; i++) {
      if (plan.rate !== undefined) {
        const wait = started + (i * 1000) / plan.rate - performance.now();
        if (wait >= 1) await sleep(wait);
      }
      const gate = plan.beforeSubmit?.();
      if (gate) await gate;
      if (!session.windowHasRoom) await session.whenWindowHasRoom();
      const t0 = performance.now();
      sent++;
      session.request('submit_sm', plan.fields(i)).then(
        (resp) => {
          latencies[i] = performance.now() - t0;
          if (resp.command_status === STATUS.ESME_ROK) accepted++;
          plan.onResponse(i, resp);
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
  } finally {
    clearInterval(progress);
    if (plan.progress) process.stderr.write('\n');
  }
  if (sessionError !== undefined) throw new Error(`${plan.label}: the session failed, the run is void: ${String(sessionError)}`);
  return { sent, answered, accepted, started, lastRespAt, latenciesMs: Array.from(latencies.subarray(0, sent).sort()) };
}

/**
 * Resolves once `done()` holds, re-checked at each `poke`, or at the deadline: what is still
 * missing then is reported by the caller rather than waited for.
 */
export function waitFor(done: () => boolean, deadlineMs: number, onPoke: (poke: () => void) => void): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, deadlineMs);
    onPoke(() => {
      if (!done()) return;
      clearTimeout(timer);
      resolve();
    });
  });
}

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

  const session = await bindLoadEsme(opts, (pdu) => {
    // The gateway's own receipt parser: TLV or text, as from any carrier.
    const id = parseReceipt(pdu as Parameters<typeof parseReceipt>[0])?.carrierMessageId;
    if (id === undefined) return;
    if (awaiting.has(id)) countReceipt(id);
    else if (seen.has(id)) dlrsDuplicate++;
    else early.add(id);
  });

  const fields = {
    source_addr_ton: 5,
    source_addr_npi: 0,
    source_addr: 'BENCH',
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    registered_delivery: 1,
    short_message: Buffer.from('benchmark message body'),
  };
  try {
    const outcome = await submitAll(session, {
      ...opts,
      fields: (i) => ({ ...fields, destination_addr: testNumber(i) }),
      onResponse: (_i, resp) => {
        if (resp.command_status !== STATUS.ESME_ROK) return;
        const id = String(resp.message_id);
        if (early.delete(id)) countReceipt(id);
        else awaiting.add(id);
      },
      progressNote: () => `${dlrs} receipts`,
    });
    // Receipts: all in, or the deadline.
    await waitFor(() => awaiting.size === 0, outcome.lastRespAt - outcome.started + RECEIPT_GRACE_MS, (poke) => (onReceipt = poke));
    return {
      accepted: outcome.accepted,
      rejected: outcome.answered - outcome.accepted,
      dlrs,
      dlrsMissing: awaiting.size,
      dlrsDuplicate,
      submitMs: outcome.lastRespAt - outcome.started,
      receiptMs: (outcome.accepted === 0 ? outcome.lastRespAt : Math.max(lastReceiptAt, outcome.lastRespAt)) - outcome.started,
      latenciesMs: outcome.latenciesMs,
    };
  } finally {
    await session.unbind();
  }
}
