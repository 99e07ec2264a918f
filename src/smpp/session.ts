/**
 * One SMPP session over one socket, in either role: we are the SMSC toward clients and the
 * ESME toward carriers. It owns what node-smpp's Session got wrong:
 * - framing and decoding are ours, so a bad PDU is answered (generic_nack, or the command's
 *   response with a status) instead of silently stopping the reader;
 * - every request we send sits in a bounded window with a response deadline;
 * - the bind state is explicit and every inbound request is checked against it;
 * - socket backpressure: when the kernel buffer is full we stop reading, so a peer that
 *   does not read its responses cannot make us buffer without bound;
 * - every error listener is attached before the first byte, and a close rejects everything
 *   pending and reports the lost requests (their outcome is unknown) to the owner.
 *
 * The owner listens to 'request' (PDUs the peer may send in this state, minus what the
 * session answers itself: enquire_link, unbind), 'bind' (SMSC role: decide with acceptBind
 * or rejectBind) and 'close'.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { GatewayError } from '../errors.js';
import type { Logger } from '../obs/logger.js';
import { CodecError, commandName, decodePdu, encodeGenericNack, encodePdu, mandatoryFields, isResponseId, responseCommandFor, type Pdu, type PduFields } from './codec.js';
import { PduFramer } from './framer.js';
import { RequestWindow } from './window.js';
import { BIND_COMMAND, BOUND_STATE, TRANSITIONS, bindModeOf, isBound, peerMaySend, weMaySend, type BindMode, type BindState, type SessionRole } from './bind-state.js';
import { LinkTimers, type LinkTimerConfig } from './link-timers.js';
import { STATUS, statusName } from './status.js';

export type CloseReason =
  | 'unbind' // an orderly unbind, from either side
  | 'peer_closed' // the peer closed the connection
  | 'bad_pdu' // a PDU we could not frame; the stream cannot be trusted
  | 'bind_timeout'
  | 'idle_timeout'
  | 'enquire_link_timeout'
  | 'socket_error'
  | 'local'; // our side decided to drop the connection

export interface SessionOptions extends Partial<LinkTimerConfig> {
  role: SessionRole;
  /** Requests we may have outstanding at once. */
  windowSize: number;
  /** How long a request we send may wait for its response. */
  responseTimeoutMs: number;
  /** Largest command_length accepted; beyond it the stream is treated as garbage. */
  maxPduBytes: number;
  logger: Logger;
}

export interface SessionClose {
  reason: CloseReason;
  /** Requests sent but never answered: their outcome is unknown (maybe delivered). */
  lost: Pdu[];
}

export interface BindCredentials {
  system_id: string;
  password: string;
  system_type?: string;
  interface_version?: number;
  addr_ton?: number;
  addr_npi?: number;
  address_range?: string;
}

type PauseCause = 'owner' | 'socket_full';

const BIND_ERROR_CODES = new Map<number, 'BAD_PASSWORD' | 'BAD_SYSTEM_ID' | 'BIND_NOT_ALLOWED' | 'ALREADY_BOUND'>([
  [STATUS.ESME_RINVPASWD, 'BAD_PASSWORD'],
  [STATUS.ESME_RINVSYSID, 'BAD_SYSTEM_ID'],
  [STATUS.ESME_RBINDFAIL, 'BIND_NOT_ALLOWED'],
  [STATUS.ESME_RALYBND, 'ALREADY_BOUND'],
]);

export interface SmppSessionEvents {
  request: [pdu: Pdu];
  bind: [pdu: Pdu, mode: BindMode];
  close: [close: SessionClose];
  state: [to: BindState, from: BindState];
}

export class SmppSession extends EventEmitter<SmppSessionEvents> {
  readonly id = randomUUID().slice(0, 8);
  readonly role: SessionRole;
  readonly peer: string;
  readonly log: Logger;
  /** The system_id of the bind, once bound (the peer's as SMSC, ours as ESME). */
  systemId: string | undefined;
  /**
   * False once a peer bound as SMPP 3.3: requests to it leave without TLVs (a receipt keeps
   * its text, which carries the same facts).
   */
  peerHasTlvs = true;
  /**
   * Read everything, answer nothing, not even enquire_link: how a hung SMSC looks from
   * outside. The simulator plays it; the gateway never sets it.
   */
  silent = false;

  private stateValue: BindState = 'open';
  private closeReason: CloseReason | undefined;
  private readonly framer: PduFramer;
  private readonly window: RequestWindow;
  private readonly timers: LinkTimers;
  private tickTimer: NodeJS.Timeout | undefined;
  private sequence = 0;
  private readonly pausedBy = new Set<PauseCause>();
  private corked = false;
  /** The bind we sent (ESME role), so its response moves the state the moment it is read. */
  private pendingBind: { sequence: number; mode: BindMode; systemId: string } | undefined;

  constructor(
    readonly socket: Socket,
    private readonly options: SessionOptions,
  ) {
    super();
    this.role = options.role;
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.log = options.logger.child({ sid: this.id, peer: this.peer, role: this.role });
    this.framer = new PduFramer(options.maxPduBytes);
    this.window = new RequestWindow(options.windowSize, options.responseTimeoutMs, (req) =>
      this.log.warn('request expired without a response', { command: req.command, seq: req.sequence_number }),
    );
    this.timers = new LinkTimers(
      {
        bindTimeoutMs: options.bindTimeoutMs ?? 0,
        enquireLinkIntervalMs: options.enquireLinkIntervalMs ?? 0,
        enquireLinkTimeoutMs: options.enquireLinkTimeoutMs ?? options.responseTimeoutMs,
        idleTimeoutMs: options.idleTimeoutMs ?? 0,
      },
      Date.now(),
    );
    // Listeners first: an 'error' without a listener would kill the process.
    socket.on('error', (err) => {
      this.log.info('socket error', { error: err.message });
      this.destroy('socket_error');
    });
    socket.on('close', () => this.destroy(this.closeReason ?? 'peer_closed'));
    // On a half-close, flush what we owe (a final response) before closing our side.
    socket.on('end', () => this.end(this.closeReason ?? 'peer_closed'));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.resumeFor('socket_full'));
    socket.setNoDelay(true);
    const resolution = this.timers.resolutionMs;
    if (resolution > 0) {
      this.tickTimer = setInterval(() => this.onTick(), resolution);
      this.tickTimer.unref();
    }
  }

  get state(): BindState {
    return this.stateValue;
  }

  get closed(): boolean {
    return this.stateValue === 'closed';
  }

  /** Requests outstanding toward the peer. */
  get inFlight(): number {
    return this.window.inUse;
  }

  /** Resolves when the request window has room (or the session closed). */
  whenWindowHasRoom(): Promise<void> {
    return this.window.whenRoom();
  }

  get windowHasRoom(): boolean {
    return this.window.hasRoom;
  }

  // ------------------------------------------------------------ state

  private transition(to: BindState, reason: string): void {
    const from = this.stateValue;
    if (from === to) return;
    if (!TRANSITIONS[from].includes(to)) throw new Error(`bind state ${from} → ${to} is not allowed (${reason})`);
    this.stateValue = to;
    this.log.info('bind state', { from, to, reason });
    if (isBound(to)) this.timers.boundAt(Date.now());
    this.emit('state', to, from);
  }

  // ------------------------------------------------------------ sending

  private nextSequence(): number {
    // SMPP 3.4 §2.7: 0x00000001 to 0x7FFFFFFF, then wrap.
    this.sequence = this.sequence >= 0x7fffffff ? 1 : this.sequence + 1;
    return this.sequence;
  }

  private write(bytes: Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    // Cork within a tick: many PDUs answered in one read go out in one write.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    if (!this.socket.write(bytes)) this.pauseFor('socket_full');
  }

  private trace(direction: 'in' | 'out', pdu: Pick<Pdu, 'command' | 'command_status' | 'sequence_number'>): void {
    if (this.log.isLevelEnabled('protocol')) {
      this.log.protocol('pdu', { dir: direction, command: pdu.command, status: pdu.command_status, seq: pdu.sequence_number });
    }
  }

  /**
   * Sends a request and resolves with its response, whatever its status. Rejects with
   * WINDOW_FULL when the window is full (await whenWindowHasRoom first), RESPONSE_TIMEOUT,
   * SESSION_CLOSED, or INVALID_BIND_STATE when this state forbids the command.
   */
  request(command: string, fields: PduFields = {}): Promise<Pdu> {
    if (this.closed) return Promise.reject(new GatewayError('SESSION_CLOSED', `session ${this.id} is closed; open a new one`));
    if (!weMaySend(this.role, this.stateValue, command)) {
      return Promise.reject(new GatewayError('INVALID_BIND_STATE', `cannot send ${command} in bind state ${this.stateValue}`));
    }
    const sequence_number = this.nextSequence();
    let bytes: Buffer;
    try {
      bytes = encodePdu(command, sequence_number, this.peerHasTlvs ? fields : mandatoryFields(command, fields));
    } catch (err) {
      return Promise.reject(err); // e.g. a short_message over 255 octets: the caller's to handle
    }
    const pending = this.window.add({ command, command_id: 0, command_status: 0, sequence_number, ...fields });
    this.trace('out', { command, command_status: 0, sequence_number });
    this.write(bytes);
    return pending;
  }

  /** Answers a request; a non-zero status with no fields sends a header-only response. */
  respond(request: Pdu, fields: PduFields = {}, status: number = STATUS.ESME_ROK): void {
    const command = responseCommandFor(request.command);
    if (!command || this.silent) return; // alert_notification and outbind have no response
    this.trace('out', { command, command_status: status, sequence_number: request.sequence_number });
    this.write(encodePdu(command, request.sequence_number, fields, status));
  }

  private nack(sequenceNumber: number, status: number): void {
    if (this.silent) return;
    this.trace('out', { command: 'generic_nack', command_status: status, sequence_number: sequenceNumber });
    this.write(encodeGenericNack(sequenceNumber, status));
  }

  // ------------------------------------------------------------ binding

  /**
   * ESME role: binds and resolves once bound; rejects with the bind error mapped to our
   * codes. Attach the 'request' listener first: an SMSC sends what it held for us (receipts,
   * MO) right behind the bind_resp, often in the same read.
   */
  async bind(mode: BindMode, credentials: BindCredentials): Promise<void> {
    this.transition('binding', `bind as ${mode}`);
    const pending = this.request(BIND_COMMAND[mode], { interface_version: 0x34, ...credentials });
    this.pendingBind = { sequence: this.sequence, mode, systemId: credentials.system_id };
    let resp: Pdu;
    try {
      resp = await pending;
    } catch (err) {
      this.destroy('local');
      throw err;
    }
    if (resp.command_status !== STATUS.ESME_ROK) {
      const code = BIND_ERROR_CODES.get(resp.command_status) ?? 'BIND_NOT_ALLOWED';
      throw new GatewayError(code, `bind as ${credentials.system_id} refused by ${this.peer}: ${statusName(resp.command_status)}`);
    }
  }

  /** Applies a bind_resp to the state before anything read after it is handled. */
  private onBindResponse(resp: Pdu): void {
    const bind = this.pendingBind;
    if (!bind || resp.sequence_number !== bind.sequence || this.stateValue !== 'binding') return;
    this.pendingBind = undefined;
    if (resp.command_status === STATUS.ESME_ROK) {
      this.systemId = bind.systemId;
      this.transition(BOUND_STATE[bind.mode], 'bind accepted');
    } else {
      this.transition('open', `bind refused: ${statusName(resp.command_status)}`);
    }
  }

  /** SMSC role: accepts the bind request the owner got in a 'bind' event. */
  acceptBind(request: Pdu, mode: BindMode, ourSystemId: string): void {
    this.respond(request, { system_id: ourSystemId });
    this.systemId = String(request.system_id);
    // 0x01–0x33 declares SMPP 3.3 or older (§5.2.4): no TLVs from us from now on. 0x00 is in
    // that range too, but it is what a client that never set the field sends, and those are
    // 3.4 clients in practice: they get TLVs (a real 3.3 client skips what follows the fields).
    const version = typeof request.interface_version === 'number' ? request.interface_version : 0;
    this.peerHasTlvs = version === 0 || version >= 0x34;
    this.transition(BOUND_STATE[mode], `bound as ${this.systemId}`);
  }

  /** SMSC role: refuses the bind request; the connection stays open for another try. */
  rejectBind(request: Pdu, status: number): void {
    this.respond(request, {}, status);
    this.transition('open', `bind refused: ${statusName(status)}`);
  }

  /** Orderly end: unbind (if bound), wait for the unbind_resp or its timeout, close. */
  async unbind(): Promise<void> {
    if (isBound(this.stateValue)) {
      const pending = this.request('unbind');
      this.transition('unbinding', 'unbind sent');
      await pending.catch(() => undefined); // a peer that never answers still gets closed
    }
    this.end('unbind');
  }

  // ------------------------------------------------------------ flow control

  /** True while inbound reading is paused, by the owner or because the socket is full. */
  get readingPaused(): boolean {
    return this.pausedBy.size > 0;
  }

  /** Stops reading inbound PDUs until resume(): the owner's backpressure. */
  pause(): void {
    this.pauseFor('owner');
  }

  resume(): void {
    this.resumeFor('owner');
  }

  private pauseFor(cause: PauseCause): void {
    this.pausedBy.add(cause);
    this.socket.pause();
  }

  private resumeFor(cause: PauseCause): void {
    if (!this.pausedBy.delete(cause) || this.pausedBy.size > 0 || this.closed) return;
    this.socket.resume();
    this.drainFrames();
  }

  // ------------------------------------------------------------ receiving

  private onData(chunk: Buffer): void {
    this.framer.push(chunk);
    this.drainFrames();
  }

  private drainFrames(): void {
    while (this.pausedBy.size === 0 && !this.closed) {
      const frame = this.framer.next();
      if (!frame) return;
      if (frame.kind === 'bad_length') {
        this.log.info('bad command_length; closing', { commandLength: frame.commandLength });
        this.nack(frame.sequenceNumber, STATUS.ESME_RINVCMDLEN);
        this.end('bad_pdu');
        return;
      }
      this.onFrame(frame.bytes);
    }
  }

  private onFrame(bytes: Buffer): void {
    this.timers.inbound(Date.now());
    let pdu: Pdu;
    try {
      pdu = decodePdu(bytes);
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      this.onUndecodable(bytes, err);
      return;
    }
    this.trace('in', pdu);
    if (pdu.command === 'unknown') {
      this.log.info('unknown command id', { commandId: `0x${pdu.command_id.toString(16)}` });
      // A response we do not know needs no answer; a request gets generic_nack (SMPP 3.4 §4.3).
      if (!isResponseId(pdu.command_id)) this.nack(pdu.sequence_number, STATUS.ESME_RINVCMDID);
      return;
    }
    if (isResponseId(pdu.command_id)) {
      this.onResponse(pdu);
      return;
    }
    this.onRequest(pdu);
  }

  private onUndecodable(bytes: Buffer, err: CodecError): void {
    const commandId = bytes.readUInt32BE(4);
    const sequenceNumber = bytes.readUInt32BE(12);
    this.log.info('undecodable PDU', { commandId: `0x${commandId.toString(16)}`, reason: err.message, status: statusName(err.status) });
    if (isResponseId(commandId)) {
      if (err.fatal) this.end('bad_pdu');
      return;
    }
    if (err.fatal) {
      // The length field lied about the body: nothing after it can be trusted.
      this.nack(sequenceNumber, err.status);
      this.end('bad_pdu');
      return;
    }
    const command = commandName(commandId);
    if (command && responseCommandFor(command)) this.respond({ command, command_id: commandId, command_status: 0, sequence_number: sequenceNumber }, {}, err.status);
    else this.nack(sequenceNumber, err.status);
  }

  private onResponse(pdu: Pdu): void {
    if (pdu.command === 'enquire_link_resp') this.timers.enquireLinkAnswered();
    else if (bindModeOf(pdu.command.replace(/_resp$/, ''))) this.onBindResponse(pdu);
    if (!this.window.settle(pdu)) {
      this.log.debug('response to no outstanding request', { command: pdu.command, seq: pdu.sequence_number });
    }
  }

  private onRequest(pdu: Pdu): void {
    const command = pdu.command;
    if (!peerMaySend(this.role, this.stateValue, command)) {
      const mode = bindModeOf(command);
      const status = mode && isBound(this.stateValue) ? STATUS.ESME_RALYBND : STATUS.ESME_RINVBNDSTS;
      this.log.info('request not allowed in this bind state', { command, state: this.stateValue, status: statusName(status) });
      this.respond(pdu, {}, status);
      return;
    }
    switch (command) {
      case 'enquire_link':
        this.respond(pdu);
        return;
      case 'unbind':
        this.transition('unbinding', 'unbind received');
        this.respond(pdu);
        this.end('unbind');
        return;
    }
    const mode = bindModeOf(command);
    if (mode) {
      this.transition('binding', `${command} received`);
      this.deliver('bind', () => this.emit('bind', pdu, mode), pdu);
      return;
    }
    if (this.listenerCount('request') === 0) {
      // Nobody to hand it to: a temporary error makes the peer retry instead of waiting.
      this.log.warn('request with no handler', { command });
      this.respond(pdu, {}, STATUS.ESME_RX_T_APPN);
      return;
    }
    this.deliver('request', () => this.emit('request', pdu), pdu);
  }

  /** Calls the owner; a throwing handler costs the request a system error, not the process. */
  private deliver(what: string, call: () => void, pdu: Pdu): void {
    try {
      call();
    } catch (err) {
      this.log.error(`${what} handler failed`, { command: pdu.command, error: err instanceof Error ? err.message : String(err) });
      this.respond(pdu, {}, STATUS.ESME_RSYSERR);
      if (this.stateValue === 'binding') this.transition('open', 'bind handler failed');
    }
  }

  // ------------------------------------------------------------ timers and close

  private onTick(): void {
    const action = this.timers.tick(Date.now());
    if (action.do === 'stop') {
      this.log.info('link timer fired', { reason: action.reason });
      this.destroy(action.reason);
    } else if (action.do === 'enquire_link' && this.window.hasRoom) {
      this.timers.enquireLinkSent(Date.now());
      this.request('enquire_link').catch(() => undefined); // its deadline is the link timer's job
    }
  }

  /** Half-close after pending writes flush (unbind_resp, a final nack), then close. */
  end(reason: CloseReason): void {
    if (this.closed || this.closeReason) return;
    this.closeReason = reason;
    this.socket.end();
    // A peer that never closes its side must not hold us: destroy after the response timeout.
    setTimeout(() => this.destroy(reason), this.options.responseTimeoutMs).unref();
  }

  /** Closes at once. Pending requests reject with SESSION_CLOSED and are reported as lost. */
  destroy(reason: CloseReason): void {
    if (this.closed) return;
    this.closeReason ??= reason;
    this.transition('closed', this.closeReason);
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.socket.destroy();
    const lost = this.window.drainAll(new GatewayError('SESSION_CLOSED', `session ${this.id} closed (${this.closeReason}) before the response came`));
    this.emit('close', { reason: this.closeReason, lost });
  }
}
