/**
 * The masks benchmark's load generator: one ESME that sends MT whose subscribers answer
 * (the simulator's `replies`, echoing the text) and times each round trip, submit → the
 * reply's deliver_sm. Each MT carries a text of its own, so its reply is found by text
 * whatever addresses the gateway rewrote on the way (an alias for a masked party).
 *
 * At most `window` round trips are outstanding (submitted, reply not yet read): the
 * throughput is that of the whole loop, MT and MO, and the latency is not a queue the load
 * generator built itself. Receipts are not asked for. A loop that stops hearing replies is
 * void (an error after STALL_MS), and replies still missing at the end are reported after a
 * grace period rather than waited for.
 */
import type { Pdu } from '../../src/smpp/codec.js';
import { STATUS } from '../../src/smpp/status.js';
import { bindLoadEsme, RECEIPT_GRACE_MS, submitAll, waitFor, type LoadOptions } from './relay-load.js';

/** No reply at all for this long while the window is full: something refuses them. */
const STALL_MS = 60_000;

export interface RoundTripOptions extends Omit<LoadOptions, 'rate'> {
  /** Where the i-th MT goes: a real number (plain) or a mask's alias (masked). */
  destination(i: number): string;
  /** The MT's source_addr: a number the account owns, so that replies to it come back. */
  source: string;
}

export interface RoundTripResult {
  accepted: number;
  rejected: number;
  /** Replies read that answer an accepted MT. */
  replies: number;
  repliesMissing: number;
  /** deliver_sm that answer nothing sent (a duplicate, or a stranger). */
  repliesUnexpected: number;
  /** First submit → last reply. */
  roundTripMs: number;
  /** Every submit → its reply, in ms, sorted. */
  latenciesMs: number[];
  /** Every submit → submit_sm_resp, in ms, sorted. */
  submitLatenciesMs: number[];
}

const ESM_CLASS_RECEIPT = 0x04;

export async function runRoundTrips(opts: RoundTripOptions): Promise<RoundTripResult> {
  const tag = `${opts.label.replace(/\W/g, '')}${Date.now() % 100_000}`;
  const textOf = (i: number) => `rt ${tag} ${i}`;
  const outstanding = new Map<string, number>(); // text → performance.now() at submit
  const latencies: number[] = [];
  let unexpected = 0;
  let lastReplyAt = 0;
  let poke: () => void = () => undefined;

  const session = await bindLoadEsme(opts, (pdu: Pdu) => {
    if ((Number(pdu.esm_class ?? 0) & ESM_CLASS_RECEIPT) !== 0) return;
    // The echo of a short GSM text: one septet per octet, ASCII for these characters.
    const text = Buffer.isBuffer(pdu.short_message) ? pdu.short_message.toString('latin1') : '';
    const sentAt = outstanding.get(text);
    if (sentAt === undefined) {
      unexpected++;
      return;
    }
    outstanding.delete(text);
    lastReplyAt = performance.now();
    latencies.push(lastReplyAt - sentAt);
    poke();
  });

  /** Resolves when a round trip ends; rejects when none has for STALL_MS. */
  const roomInWindow = () =>
    new Promise<void>((resolve, reject) => {
      const stall = setTimeout(
        () => reject(new Error(`${opts.label}: no reply for ${STALL_MS / 1000} s with ${outstanding.size} outstanding; the run is void`)),
        STALL_MS,
      );
      poke = () => {
        if (outstanding.size >= opts.window) return;
        clearTimeout(stall);
        poke = () => undefined;
        resolve();
      };
    });

  const fields = { source_addr_ton: 1, source_addr_npi: 1, source_addr: opts.source, dest_addr_ton: 1, dest_addr_npi: 1, registered_delivery: 0 };
  try {
    const outcome = await submitAll(session, {
      ...opts,
      rate: undefined,
      fields: (i) => {
        const text = textOf(i);
        outstanding.set(text, performance.now());
        return { ...fields, destination_addr: opts.destination(i), short_message: Buffer.from(text, 'latin1') };
      },
      // Refused: no reply will come.
      onResponse: (i, resp) => {
        if (resp.command_status !== STATUS.ESME_ROK) outstanding.delete(textOf(i));
      },
      beforeSubmit: () => (outstanding.size >= opts.window ? roomInWindow() : undefined),
      progressNote: () => `${latencies.length} replies`,
    });
    await waitFor(() => outstanding.size === 0, outcome.lastRespAt - outcome.started + RECEIPT_GRACE_MS, (p) => (poke = p));
    return {
      accepted: outcome.accepted,
      rejected: outcome.answered - outcome.accepted,
      replies: latencies.length,
      repliesMissing: outstanding.size,
      repliesUnexpected: unexpected,
      roundTripMs: Math.max(lastReplyAt, outcome.lastRespAt) - outcome.started,
      latenciesMs: latencies.sort((a, b) => a - b),
      submitLatenciesMs: outcome.latenciesMs,
    };
  } finally {
    await session.unbind();
  }
}
