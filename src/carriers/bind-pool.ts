/**
 * The binds of one carrier. Policy:
 *
 * - `binds` slots; a slot is one transceiver connection, or a transmitter plus a receiver
 *   for 'transmitter+receiver'. Each connection (a "leg") keeps itself up on its own.
 * - A leg connects and binds through the carrier's connector (connector.ts: TLS, deadlines,
 *   enquire_link). While bound, the session's timers send enquire_link after
 *   enquireLinkIntervalMs of silence and tear the link down when one goes unanswered.
 * - A leg that fails or closes reconnects after initialDelayMs × multiplier^n (n: failures
 *   since its last good bind), capped at maxDelayMs, ± jitter, so binds do not come back in
 *   lockstep. A good bind resets n.
 * - Inbound deliver_sm/data_sm from any leg go up through `onDeliver(pdu, respond)`. The
 *   owner responds once it has recorded the receipt or MO durably, so a crash before that
 *   leaves it unanswered and the carrier resends it (at-least-once). An owner that never
 *   answers is covered by a deadline: after responseTimeoutMs we answer ESME_RX_T_APPN, a
 *   temporary error the carrier retries.
 *
 * The connector is made with the pool, so a missing password or CA file stops start-up
 * with its fix before any socket opens.
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { asGatewayError, type GatewayError } from '../errors.js';
import type { Logger } from '../obs/logger.js';
import { canSubmit, type BindMode } from '../smpp/bind-state.js';
import type { Pdu } from '../smpp/codec.js';
import type { SessionClose, SmppSession } from '../smpp/session.js';
import { STATUS } from '../smpp/status.js';
import { carrierConnector, type CarrierConfig, type Connector } from './connector.js';
import { beforeDeadline } from './deadline.js';

export type ReconnectConfig = CarrierConfig['reconnect'];

/** The owner's answer to a deliver_sm/data_sm: an SMPP command_status, 0 when recorded. */
export type Respond = (status: number) => void;
export type DeliverCallback = (pdu: Pdu, respond: Respond) => void;

export type LegState =
  /** Made, not started. */
  | 'idle'
  /** Connecting and binding, each under its deadline. */
  | 'connecting'
  /** Bound: carries traffic. */
  | 'bound'
  /** Failed or lost; a reconnect timer runs. */
  | 'backoff'
  /** Drained: never reconnects (its session may still be unbinding). */
  | 'stopped';

const LEG_TRANSITIONS: Record<LegState, readonly LegState[]> = {
  idle: ['connecting', 'stopped'],
  connecting: ['bound', 'backoff', 'stopped'],
  bound: ['backoff', 'stopped'],
  backoff: ['connecting', 'stopped'],
  stopped: [],
};

export interface BindStatus {
  slot: number;
  mode: BindMode;
  state: LegState;
  peer: string | undefined;
  inFlight: number;
  /** Connection attempts after the first. */
  reconnects: number;
  /** Why the last connection ended or failed (a session close reason or an error code). */
  lastClose: string | undefined;
}

/** A bound session that may submit, with the name outcomes report it by. */
export interface TransmitBind {
  session: SmppSession;
  name: string;
}

export interface BindPoolOptions {
  configDir: string;
  maxPduBytes: number;
  logger: Logger;
  onDeliver: DeliverCallback;
}

interface Leg {
  slot: number;
  mode: BindMode;
  name: string;
  log: Logger;
  state: LegState;
  session: SmppSession | undefined;
  failures: number;
  reconnects: number;
  lastClose: string | undefined;
  timer: NodeJS.Timeout | undefined;
  /** The connect-and-bind under way; settles after its outcome is applied. */
  connecting: Promise<void> | undefined;
}

/** The delay before reconnect attempt `failures` (0-based): exponential, capped, ± jitter. */
export function reconnectDelayMs(failures: number, r: ReconnectConfig, random: () => number): number {
  const base = Math.min(r.maxDelayMs, r.initialDelayMs * r.multiplier ** failures);
  return Math.max(0, Math.round(base * (1 + r.jitter * (2 * random() - 1))));
}

export class BindPool extends EventEmitter<{ change: [BindStatus] }> {
  private readonly legs: Leg[] = [];
  private readonly connector: Connector;
  private next = 0;
  /** Set by drain: a bind that completes after it is closed at once. */
  private drainUntil: number | undefined;

  constructor(
    private readonly carrier: CarrierConfig,
    private readonly options: BindPoolOptions,
  ) {
    super();
    this.connector = carrierConnector(carrier, options);
    const modes: BindMode[] = carrier.bindMode === 'transceiver' ? ['transceiver'] : ['transmitter', 'receiver'];
    for (let slot = 1; slot <= carrier.binds; slot++) {
      for (const mode of modes) {
        const log = options.logger.child({ carrier: carrier.name, slot, mode });
        const name = modes.length > 1 ? `${carrier.name}#${slot}.${mode === 'transmitter' ? 'tx' : 'rx'}` : `${carrier.name}#${slot}`;
        this.legs.push({ slot, mode, name, log, state: 'idle', session: undefined, failures: 0, reconnects: 0, lastClose: undefined, timer: undefined, connecting: undefined });
      }
    }
  }

  /** Connects every leg; each keeps itself up until drain. */
  start(): void {
    for (const leg of this.legs) if (leg.state === 'idle') this.connect(leg, 'start');
  }

  /** Bound legs that may submit. */
  get boundTransmitters(): number {
    return this.legs.filter((leg) => this.transmitting(leg) !== undefined).length;
  }

  /** The next bound transmit-capable session with window room, round-robin. */
  pick(): TransmitBind | undefined {
    const n = this.legs.length;
    for (let i = 0; i < n; i++) {
      const leg = this.legs[(this.next + i) % n]!;
      const session = this.transmitting(leg);
      if (session?.windowHasRoom) {
        this.next = (this.next + i + 1) % n;
        return { session, name: leg.name };
      }
    }
    return undefined;
  }

  /**
   * Resolves when a transmitter may have room: a window frees, or a leg changes state (so
   * the caller re-checks, e.g. finds none bound). Never rejects; callers bound the wait.
   */
  whenRoom(): Promise<void> {
    const sessions = this.legs.map((leg) => this.transmitting(leg)).filter((s): s is SmppSession => s !== undefined);
    if (sessions.some((s) => s.windowHasRoom)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.off('change', done);
        resolve();
      };
      this.on('change', done);
      for (const s of sessions) void s.whenWindowHasRoom().then(done);
    });
  }

  status(): BindStatus[] {
    return this.legs.map((leg) => this.statusOf(leg));
  }

  /**
   * Stops reconnecting, lets in-flight requests settle until the deadline, unbinds every
   * session and closes it; whatever is still open at the deadline is destroyed.
   */
  async drain(deadlineMs: number): Promise<void> {
    const until = Date.now() + deadlineMs;
    this.drainUntil = until;
    for (const leg of this.legs) {
      clearTimeout(leg.timer);
      leg.timer = undefined;
      this.transition(leg, 'stopped', 'draining');
    }
    await Promise.all(
      this.legs.map(async (leg) => {
        // A connect under way closes its own session when it completes (see onBound).
        if (leg.connecting) await beforeDeadline(leg.connecting, until);
        else if (leg.session) await this.close(leg.session, until);
      }),
    );
  }

  // ------------------------------------------------------------ legs

  private transmitting(leg: Leg): SmppSession | undefined {
    const s = leg.session;
    return leg.state === 'bound' && s && canSubmit(s.state) ? s : undefined;
  }

  private statusOf(leg: Leg): BindStatus {
    return {
      slot: leg.slot,
      mode: leg.mode,
      state: leg.state,
      peer: leg.session?.peer,
      inFlight: leg.session?.inFlight ?? 0,
      reconnects: leg.reconnects,
      lastClose: leg.lastClose,
    };
  }

  private transition(leg: Leg, to: LegState, reason: string): void {
    const from = leg.state;
    if (from === to) return;
    if (!LEG_TRANSITIONS[from].includes(to)) throw new Error(`bind leg ${from} → ${to} is not allowed (${reason})`);
    leg.state = to;
    leg.log.info('carrier bind state', { from, to, reason });
    this.emit('change', this.statusOf(leg));
  }

  private connect(leg: Leg, reason: string): void {
    this.transition(leg, 'connecting', reason);
    leg.connecting = this.connector(leg.mode, leg.log, (pdu, session) => this.onRequest(leg, pdu, session)).then(
      (session) => this.onBound(leg, session),
      (err: unknown) => this.onFailed(leg, asGatewayError(err)),
    );
  }

  private async onBound(leg: Leg, session: SmppSession): Promise<void> {
    leg.connecting = undefined;
    leg.session = session;
    session.on('close', (close) => this.onClosed(leg, session, close));
    if (leg.state === 'stopped') {
      await this.close(session, this.drainUntil ?? Date.now());
      return;
    }
    leg.failures = 0;
    this.transition(leg, 'bound', `bound to ${session.peer}`);
    // Closed between the bind_resp and here (a peer that hangs up at once): its close event
    // has already fired, so handle it now.
    if (session.closed) this.onClosed(leg, session, { reason: 'peer_closed', lost: [] });
  }

  private onFailed(leg: Leg, err: GatewayError): void {
    leg.connecting = undefined;
    if (leg.state === 'stopped') return;
    leg.lastClose = err.code;
    leg.log.warn('carrier connect or bind failed', { code: err.code, error: err.message });
    this.backoff(leg, `connect failed: ${err.code}`);
  }

  private onClosed(leg: Leg, session: SmppSession, close: SessionClose): void {
    if (leg.session !== session) return;
    leg.session = undefined;
    leg.lastClose = close.reason;
    leg.log.info('carrier bind closed', { reason: close.reason, lost: close.lost.length, sid: session.id });
    if (leg.state === 'stopped') {
      this.emit('change', this.statusOf(leg));
      return;
    }
    this.backoff(leg, `closed: ${close.reason}`);
  }

  private backoff(leg: Leg, reason: string): void {
    const delayMs = reconnectDelayMs(leg.failures, this.carrier.reconnect, Math.random);
    leg.failures++;
    this.transition(leg, 'backoff', `${reason}; reconnecting in ${delayMs} ms`);
    leg.timer = setTimeout(() => {
      leg.timer = undefined;
      leg.reconnects++;
      this.connect(leg, 'reconnect');
    }, delayMs);
    leg.timer.unref();
  }

  /** Lets in-flight requests settle, unbinds, and destroys whatever is left at the deadline. */
  private async close(session: SmppSession, until: number): Promise<void> {
    // A session has no idle event and a drain happens once: a short poll, bounded by the
    // deadline, is simpler than adding one.
    while (session.inFlight > 0 && !session.closed && Date.now() < until) await sleep(Math.min(10, until - Date.now()));
    if (!session.closed) await beforeDeadline(session.unbind(), until);
    if (!session.closed) session.destroy('local');
  }

  // ------------------------------------------------------------ inbound

  private onRequest(leg: Leg, pdu: Pdu, session: SmppSession): void {
    if (pdu.command !== 'deliver_sm' && pdu.command !== 'data_sm') {
      // alert_notification has no response; the bind-state table lets nothing else through.
      leg.log.debug('carrier request ignored', { command: pdu.command });
      return;
    }
    let answered = false;
    const respond: Respond = (status) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      // deliver_sm_resp/data_sm_resp carry an unused message_id; an error is header-only.
      session.respond(pdu, status === STATUS.ESME_ROK ? { message_id: '' } : {}, status);
    };
    const timer = setTimeout(() => {
      leg.log.warn('inbound PDU not recorded in time; answered with a temporary error so the carrier resends it', { command: pdu.command });
      respond(STATUS.ESME_RX_T_APPN);
    }, this.carrier.responseTimeoutMs);
    timer.unref();
    try {
      this.options.onDeliver(pdu, respond);
    } catch (err) {
      leg.log.error('inbound PDU handler failed', { command: pdu.command, error: err instanceof Error ? err.message : String(err) });
      respond(STATUS.ESME_RX_T_APPN);
    }
  }
}
