/**
 * One carrier: its pacer and its bind pool behind one `submit`. Policy:
 *
 * - No bound transmitter: `unavailable` at once, so the dispatcher fails over instead of
 *   waiting on a carrier that is down.
 * - Otherwise the submit joins the carrier's lane, a p-queue of concurrency 1 in which each
 *   departure takes a pacer token, waits for window room on some bind (at most
 *   responseTimeoutMs, then `unavailable`: nothing was sent) and writes the submit_sm.
 *   Only the departure runs in the lane; the response is awaited outside it, so up to
 *   binds × window submits are in flight while the lane stays FIFO. The lane's queue is
 *   bounded by the caller (the dispatcher's in-flight limit), and at most one departure
 *   waits on the pacer at a time.
 * - Ordering: submits leave in the order `submit` was called, per carrier, across all its
 *   binds; a later submit may be answered first (another bind, or the carrier's own order).
 * - Long messages (carrier-text.ts): the parts of one message leave one after another in
 *   its turn of the lane, each paced and windowed; its outcome combines theirs (all
 *   accepted, or the first part's outcome when none was, or `partial`).
 * - Outcomes: status 0 with a message_id → `accepted`; status 0 with an empty message_id →
 *   `rejected` ESME_RSYSERR (0x08), because a message we cannot match to a receipt or query
 *   is worse than a retry, which at-least-once permits; another status → `rejected` (0x58
 *   and 0x14 also slow the pacer); no response in time → `timeout`; the bind lost with the
 *   submit in flight → `lost`; a bind that filled or left its bound state between pick and
 *   send → once more on another bind, else `unavailable`.
 */
import PQueue from 'p-queue';
import { GatewayError } from '../errors.js';
import type { Logger } from '../obs/logger.js';
import type { CarrierPort, SubmitOutcome } from '../messages/types.js';
import type { Pdu, PduFields } from '../smpp/codec.js';
import { STATUS, statusName } from '../smpp/status.js';
import { BindPool, type BindPoolOptions, type BindStatus, type TransmitBind } from './bind-pool.js';
import type { CarrierConfig } from './connector.js';
import { beforeDeadline } from './deadline.js';
import { Pacer } from './pacer.js';
import { carrierForm } from './carrier-text.js';

/** One message as messages/ hands it over (CarrierPort.submit's second argument). */
export type CarrierSubmit = Parameters<CarrierPort['submit']>[1];

export interface CarrierStatus {
  name: string;
  available: boolean;
  draining: boolean;
  /** msg/s now (below the configured rate after throttling). */
  rate: number;
  configuredRate: number;
  /** Submits waiting in the lane for their turn to leave. */
  queued: number;
  /** Submits sent and awaiting their response. */
  inFlight: number;
  binds: BindStatus[];
  counters: LinkCounters;
}

/** What a carrier link has sent and heard since start (for /metrics). */
export interface LinkCounters {
  /** submit_sm sent (a part of a long message counts once). */
  submits: number;
  /** submit_sm_resp by command_status. */
  responses: Map<number, number>;
  /** Responses that slowed the pace (0x58, 0x14). */
  throttles: number;
  /** Submits with no response within responseTimeoutMs. */
  timeouts: number;
}

/** Statuses that mean "too fast": slow down, then the dispatcher retries. */
const THROTTLE_STATUSES: ReadonlySet<number> = new Set([STATUS.ESME_RTHROTTLED, STATUS.ESME_RMSGQFUL]);

type Departure = { outcome: Promise<SubmitOutcome> };

export class CarrierLink {
  readonly name: string;
  private readonly pacer: Pacer;
  readonly pool: BindPool;
  private readonly log: Logger;
  private readonly lane = new PQueue({ concurrency: 1 });
  private readonly inFlight = new Set<Promise<SubmitOutcome>>();
  private readonly counters: LinkCounters = { submits: 0, responses: new Map(), throttles: 0, timeouts: 0 };
  private draining = false;

  constructor(
    private readonly carrier: CarrierConfig,
    options: BindPoolOptions,
  ) {
    this.name = carrier.name;
    this.log = options.logger.child({ carrier: carrier.name });
    this.pacer = new Pacer(carrier.throughputMsgPerSec);
    this.pool = new BindPool(carrier, options);
  }

  start(): void {
    this.pool.start();
  }

  /** Whether a submit would be sent now rather than answered `unavailable`. */
  get available(): boolean {
    return !this.draining && this.pool.boundTransmitters > 0;
  }

  /**
   * Sends one message. Resolves with its outcome; rejects only when the content cannot be
   * encoded at all (a short_message over 255 octets: the dispatcher's bug, not the carrier's).
   */
  async submit(message: CarrierSubmit): Promise<SubmitOutcome> {
    const refused = this.unavailableReason();
    if (refused) return { kind: 'unavailable', reason: refused };
    const departure = await this.lane.add(() => this.depart(message));
    return departure.outcome;
  }

  status(): CarrierStatus {
    return {
      name: this.name,
      available: this.available,
      draining: this.draining,
      rate: this.pacer.currentRate,
      configuredRate: this.pacer.configuredRate,
      queued: this.lane.size + this.lane.pending,
      inFlight: this.inFlight.size,
      binds: this.pool.status(),
      counters: this.counters,
    };
  }

  /**
   * Stops taking submits (queued ones come back `unavailable`, unsent), waits for those in
   * flight until the deadline, then drains the binds within what is left of it.
   */
  async drain(deadlineMs: number): Promise<void> {
    const until = Date.now() + deadlineMs;
    this.draining = true;
    await beforeDeadline(Promise.allSettled([...this.inFlight]), until);
    await this.pool.drain(Math.max(0, until - Date.now()));
  }

  // ------------------------------------------------------------ departure

  /** Why a submit cannot be sent now, or undefined when it can. */
  private unavailableReason(): string | undefined {
    if (this.draining) return `carrier "${this.name}" is draining`;
    if (this.pool.boundTransmitters === 0) return `carrier "${this.name}" has no bound transmitter`;
    return undefined;
  }

  private async depart(message: CarrierSubmit): Promise<Departure> {
    // Checked again at the head of the lane: the carrier may have gone while this waited.
    const before = this.unavailableReason();
    if (before) return { outcome: Promise.resolve({ kind: 'unavailable', reason: before }) };
    const form = carrierForm(message.content, this.carrier, Number.parseInt(message.id.slice(0, 4), 16));
    if (!form.ok) {
      this.log.info('message refused before sending: it does not fit this carrier', { mid: message.id, reason: form.reason });
      return { outcome: Promise.resolve({ kind: 'rejected', status: form.status, bind: '' }) };
    }
    // The parts leave one after another in the lane, each paced and windowed like a message.
    const sent: Promise<SubmitOutcome>[] = [];
    for (const part of form.parts) {
      await this.pacer.acquire();
      const bind = await this.bindWithRoom();
      if (typeof bind === 'string') {
        sent.push(Promise.resolve({ kind: 'unavailable', reason: bind }));
        break; // the rest would fare no better
      }
      sent.push(this.send(bind, { ...part, registered_delivery: REGISTERED_DELIVERY }, message.id, sent.length === 0));
    }
    const outcome = sent.length === 1 ? sent[0]! : Promise.all(sent).then((outcomes) => combineParts(outcomes, form.parts.length));
    return { outcome: this.track(outcome) };
  }

  /** A bind with window room, or why there is none within responseTimeoutMs. */
  private async bindWithRoom(): Promise<TransmitBind | string> {
    const until = Date.now() + this.carrier.responseTimeoutMs;
    for (;;) {
      const refused = this.unavailableReason();
      if (refused) return refused;
      const bind = this.pool.pick();
      if (bind) return bind;
      if (!(await beforeDeadline(this.pool.whenRoom(), until))) {
        return `carrier "${this.name}": no window room on any bind within ${this.carrier.responseTimeoutMs} ms`;
      }
    }
  }

  private track(outcome: Promise<SubmitOutcome>): Promise<SubmitOutcome> {
    this.inFlight.add(outcome);
    const forget = () => this.inFlight.delete(outcome);
    outcome.then(forget, forget);
    return outcome;
  }

  private send(bind: TransmitBind, fields: PduFields, mid: string, mayRetry: boolean): Promise<SubmitOutcome> {
    const sentAt = Date.now();
    this.counters.submits++;
    return bind.session.request('submit_sm', fields).then(
      (resp) => this.onResponse(bind, resp, mid, sentAt),
      (err: unknown) => this.onError(bind, err, fields, mid, mayRetry),
    );
  }

  private onResponse(bind: TransmitBind, resp: Pdu, mid: string, sentAt: number): SubmitOutcome {
    const status = resp.command_status;
    this.counters.responses.set(status, (this.counters.responses.get(status) ?? 0) + 1);
    if (status !== STATUS.ESME_ROK) {
      if (THROTTLE_STATUSES.has(status)) this.counters.throttles++;
      if (THROTTLE_STATUSES.has(status) && this.pacer.slowDown(sentAt)) {
        this.log.info('carrier throttles; rate halved', { status: statusName(status), rate: Math.round(this.pacer.currentRate * 100) / 100 });
      }
      return { kind: 'rejected', status, bind: bind.name };
    }
    const id = typeof resp.message_id === 'string' ? resp.message_id : '';
    if (id === '') {
      this.log.warn('carrier accepted a submit without a message_id; treated as a system error', { mid, bind: bind.name });
      return { kind: 'rejected', status: STATUS.ESME_RSYSERR, bind: bind.name };
    }
    return { kind: 'accepted', carrierMessageIds: [id], bind: bind.name };
  }

  private onError(bind: TransmitBind, err: unknown, fields: PduFields, mid: string, mayRetry: boolean): SubmitOutcome | Promise<SubmitOutcome> {
    if (!(err instanceof GatewayError)) throw err;
    switch (err.code) {
      case 'RESPONSE_TIMEOUT':
        this.counters.timeouts++;
        return { kind: 'timeout', bind: bind.name };
      case 'SESSION_CLOSED':
        return { kind: 'lost', bind: bind.name };
      case 'WINDOW_FULL':
      case 'INVALID_BIND_STATE': {
        // Nothing was sent, so the pacer token taken for it still stands.
        const other = mayRetry ? this.pool.pick() : undefined;
        if (other) return this.send(other, fields, mid, false);
        return { kind: 'unavailable', reason: `carrier "${this.name}": ${err.message}` };
      }
      default:
        throw err;
    }
  }
}

/**
 * Always 1 toward the carrier, whatever the client asked: we need every final state for
 * query_sm and our records. messages/ forwards receipts by the client's own
 * registered_delivery, so a client that asked for none still gets none.
 */
const REGISTERED_DELIVERY = 1;

/**
 * One outcome for the parts of a message. All accepted: accepted, with every part's id.
 * None accepted: the first part's outcome, as for a message sent whole (nothing of it is
 * known to be at the carrier, so it may be retried or go elsewhere). Some accepted: partial,
 * ending the message (the carrier has part of it; sending it again would repeat those).
 */
function combineParts(outcomes: SubmitOutcome[], total: number): SubmitOutcome {
  const ids = outcomes.flatMap((o) => (o.kind === 'accepted' ? o.carrierMessageIds : []));
  const first = outcomes[0]!;
  if (ids.length === total && first.kind === 'accepted') return { kind: 'accepted', carrierMessageIds: ids, bind: first.bind };
  if (ids.length === 0) return first;
  const failed = outcomes.find((o) => o.kind !== 'accepted')!;
  return { kind: 'partial', accepted: ids.length, total, status: failed.kind === 'rejected' ? failed.status : null, bind: 'bind' in failed ? failed.bind : '' };
}
