/**
 * One simulated carrier SMSC: real SMPP 3.4 over TCP (and TLS), accounts and bind rules,
 * message ids, receipts, throttling, windows, faults, MO, and a control surface to change
 * all of it while it runs. Tests start it in-process (`startSimulator({ port: 0 })`); the
 * CLI runs several as a process (simulators/run.ts).
 */
import { behaviourSchema, type Behaviour, type BehaviourInput } from '../src/config/simulator-schema.js';
import { createLogger, type Logger } from '../src/obs/logger.js';
import type { Pdu, PduFields } from '../src/smpp/codec.js';
import { SmppServer } from '../src/smpp/server.js';
import type { SmppSession } from '../src/smpp/session.js';
import { canDeliver, type BindMode } from '../src/smpp/bind-state.js';
import { STATUS } from '../src/smpp/status.js';
import { newCounters, type SimulatorCounters } from './counters.js';
import { MessageLog, QUERY_STATE, type MessageRecord } from './records.js';
import { Outbox } from './outbox.js';
import { SubmitHandler, type BindLoad } from './submit-handler.js';
import { moParts, type Concatenation } from './mo-text.js';
import { receiptDate } from './dlr.js';
import type { Reply } from './replies.js';

export interface SimAccount {
  systemId: string;
  password: string;
  bindModes?: BindMode[];
  maxBinds?: number;
}

export interface SimulatorOptions {
  name?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  tls?: { port: number; cert: string | Buffer; key: string | Buffer };
  accounts?: SimAccount[];
  behaviour?: BehaviourInput;
  logger?: Logger;
  /** Injected for deterministic tests; Math.random otherwise. */
  random?: () => number;
  /** Messages remembered for query_sm and the control API. */
  recordCapacity?: number;
  /** DLR/MO held per account while it has no receiver bind. */
  outboxCapacity?: number;
}

export interface MoRequest {
  from: string;
  to: string;
  text: string;
  /** Which account receives it; by default the first with a receiver bind, else the first. */
  systemId?: string;
  concatenation?: Concatenation;
}

export interface BindInfo {
  systemId: string;
  state: string;
  peer: string;
}

export const DEFAULT_ACCOUNT: SimAccount = { systemId: 'test', password: 'secret' };

/** Deep-merges a partial behaviour (e.g. `{ dlr: { mode: 'tlv' } }`) and validates it. */
export function mergeBehaviour(current: Behaviour, patch: BehaviourInput): Behaviour {
  const merged = { ...current, ...patch, dlr: { ...current.dlr, ...(patch.dlr ?? {}) }, replies: { ...current.replies, ...(patch.replies ?? {}) } };
  return behaviourSchema.parse(merged);
}

export class Simulator {
  readonly name: string;
  readonly counters: SimulatorCounters = newCounters();
  readonly messages: MessageLog;
  private behaviourValue: Behaviour;
  private readonly accounts = new Map<string, Required<SimAccount>>();
  private readonly outboxes = new Map<string, Outbox>();
  private readonly loads = new WeakMap<SmppSession, BindLoad & { pdus: number }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly submits: SubmitHandler;
  private readonly random: () => number;
  private readonly log: Logger;
  private readonly servers: SmppServer[] = [];
  private moReference = 0;
  private moLoadTimer: NodeJS.Timeout | undefined;
  /** The ports actually bound, kept so the simulator comes back on the same ones. */
  port = 0;
  tlsPort: number | undefined;

  constructor(private readonly options: SimulatorOptions) {
    this.name = options.name ?? 'sim';
    this.random = options.random ?? Math.random;
    this.log = (options.logger ?? createLogger({ level: 'warn' })).child({ simulator: this.name });
    this.behaviourValue = behaviourSchema.parse(options.behaviour ?? {});
    this.messages = new MessageLog(options.recordCapacity ?? 100_000);
    for (const a of options.accounts ?? [DEFAULT_ACCOUNT]) {
      this.accounts.set(a.systemId, { bindModes: ['transmitter', 'receiver', 'transceiver'], maxBinds: 8, ...a });
    }
    this.submits = new SubmitHandler({
      behaviour: () => this.behaviourValue,
      counters: this.counters,
      messages: this.messages,
      random: this.random,
      deliver: (systemId, fields, onDelivered) => this.outbox(systemId).push(fields, onDelivered),
      reply: (systemId, reply) => this.sendReply(systemId, reply),
      timers: this.timers,
    });
    this.servers.push(this.makeServer(options.port ?? 0, undefined));
    if (options.tls) this.servers.push(this.makeServer(options.tls.port, options.tls));
  }

  /** A net.Server cannot listen again once closed while sessions linger, so each start gets a new one. */
  private makeServer(port: number, tls: SimulatorOptions['tls']): SmppServer {
    return new SmppServer({
      host: this.options.host ?? '127.0.0.1',
      port,
      tls,
      // The window bounds deliver_sm (DLR, MO) outstanding toward each bind.
      session: { windowSize: 100, responseTimeoutMs: 10_000, maxPduBytes: 65_536 },
      logger: this.log,
      onSession: (s) => this.onSession(s),
    });
  }

  get behaviour(): Behaviour {
    return this.behaviourValue;
  }

  /** Changes behaviour while running; invalid values throw a ZodError and change nothing. */
  setBehaviour(patch: BehaviourInput): Behaviour {
    const next = mergeBehaviour(this.behaviourValue, patch);
    const wasDown = this.behaviourValue.down;
    this.behaviourValue = next;
    for (const server of this.servers) for (const s of server.sessions) s.silent = next.silent;
    if (next.down !== wasDown) void (next.down ? this.goDown() : this.comeBack());
    return next;
  }

  async start(): Promise<this> {
    if (!this.behaviourValue.down) await this.listen();
    return this;
  }

  private async listen(): Promise<void> {
    const [plain, secure] = this.servers;
    if (plain && !plain.listening) this.port = (await plain.listen()).port;
    if (secure && !secure.listening) this.tlsPort = (await secure.listen()).port;
  }

  /** The carrier goes away: listeners close, every bind drops. */
  async goDown(): Promise<void> {
    this.behaviourValue = { ...this.behaviourValue, down: true };
    await Promise.all(this.servers.map((s) => s.close()));
  }

  /** The carrier is back, on the same ports. */
  async comeBack(): Promise<void> {
    this.behaviourValue = { ...this.behaviourValue, down: false };
    if (!this.servers[0]?.listening) this.servers[0] = this.makeServer(this.port, undefined);
    if (this.options.tls && !this.servers[1]?.listening) this.servers[1] = this.makeServer(this.tlsPort ?? this.options.tls.port, this.options.tls);
    await this.listen();
  }

  /** Drops every connection now, without unbind (as a crashing SMSC would). */
  disconnectAll(): void {
    for (const server of this.servers) for (const s of server.sessions) s.destroy('local');
  }

  binds(): BindInfo[] {
    const out: BindInfo[] = [];
    for (const server of this.servers) {
      for (const s of server.sessions) out.push({ systemId: s.systemId ?? '', state: s.state, peer: s.peer });
    }
    return out;
  }

  /** Sends an MO (split into parts if long); resolves with the number of parts queued. */
  injectMo(mo: MoRequest, onPartSent?: () => void): number {
    const systemId = mo.systemId ?? this.defaultReceiver();
    if (!this.accounts.has(systemId)) throw new RangeError(`no simulator account "${systemId}"`);
    this.moReference = (this.moReference + 1) & 0xffff;
    const parts = moParts(mo.text, mo.concatenation ?? 'udh8', this.moReference);
    for (const part of parts) {
      const fields: PduFields = { source_addr_ton: 1, source_addr_npi: 1, source_addr: mo.from, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: mo.to, ...part };
      this.counters.mosQueued++;
      this.outbox(systemId).push(fields, () => {
        this.counters.mosSent++;
        onPartSent?.();
      });
    }
    return parts.length;
  }

  /** A subscriber's reply to an MT of `systemId` (behaviour `replies`): an MO back to that account. */
  private sendReply(systemId: string, reply: Reply): void {
    this.counters.repliesQueued++;
    let partsLeft = this.injectMo({ ...reply, systemId }, () => {
      if (--partsLeft === 0) this.counters.repliesSent++;
    });
  }

  /**
   * Sends one MO deliver_sm exactly as given, for what a network does to long MO (parts out
   * of order, twice, missing, with a broken header); resolves once the ESME answered it 0.
   */
  injectMoPdu(fields: PduFields, systemId = this.defaultReceiver()): Promise<void> {
    if (!this.accounts.has(systemId)) throw new RangeError(`no simulator account "${systemId}"`);
    this.counters.mosQueued++;
    return new Promise((resolve) =>
      this.outbox(systemId).push(fields, () => {
        this.counters.mosSent++;
        resolve();
      }),
    );
  }

  /** N MO per second spread over `to` numbers, until stopMoLoad(). */
  startMoLoad(load: { msgPerSec: number; to: string[]; from?: string[]; text?: string; systemId?: string }): void {
    this.stopMoLoad();
    let sent = 0;
    const startedAt = Date.now();
    const from = load.from && load.from.length > 0 ? load.from : undefined;
    this.moLoadTimer = setInterval(() => {
      // Catch up to the schedule each tick, so the rate holds whatever the timer jitter.
      const due = Math.floor(((Date.now() - startedAt) / 1000) * load.msgPerSec) - sent;
      for (let i = 0; i < due; i++, sent++) {
        const to = load.to[sent % load.to.length]!;
        const sender = from ? from[sent % from.length]! : `99890${String(1_000_000 + (sent % 8_999_999)).padStart(7, '0')}`;
        this.injectMo({ from: sender, to, text: load.text ?? 'Reply from the simulator', ...(load.systemId ? { systemId: load.systemId } : {}) });
      }
    }, 20);
    this.moLoadTimer.unref();
  }

  stopMoLoad(): void {
    if (this.moLoadTimer) clearInterval(this.moLoadTimer);
    this.moLoadTimer = undefined;
  }

  async close(): Promise<void> {
    this.stopMoLoad();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const box of this.outboxes.values()) box.clear();
    await Promise.all(this.servers.map((s) => s.close()));
  }

  // ------------------------------------------------------------ sessions

  private defaultReceiver(): string {
    for (const [systemId, box] of this.outboxes) if (box.receivers.length > 0) return systemId;
    return this.accounts.keys().next().value ?? DEFAULT_ACCOUNT.systemId;
  }

  private outbox(systemId: string): Outbox {
    let box = this.outboxes.get(systemId);
    if (!box) {
      box = new Outbox(this.options.outboxCapacity ?? 100_000, this.counters);
      this.outboxes.set(systemId, box);
    }
    return box;
  }

  private onSession(session: SmppSession): void {
    this.counters.connections++;
    session.silent = this.behaviourValue.silent;
    const load = { outstanding: 0, pdus: 0 };
    this.loads.set(session, load);
    session.on('bind', (pdu, mode) => this.onBind(session, pdu, mode));
    session.on('request', (pdu) => this.onRequest(session, load, pdu));
  }

  private onBind(session: SmppSession, pdu: Pdu, mode: BindMode): void {
    if (this.disconnectCheck(session)) return;
    const account = this.accounts.get(String(pdu.system_id));
    const refuse = (status: number, why: string) => {
      this.counters.bindsRefused++;
      this.log.info('bind refused', { systemId: String(pdu.system_id), why });
      session.rejectBind(pdu, status);
    };
    if (!account) return refuse(STATUS.ESME_RINVSYSID, 'unknown system_id');
    if (account.password !== String(pdu.password)) return refuse(STATUS.ESME_RINVPASWD, 'wrong password');
    if (!account.bindModes.includes(mode)) return refuse(STATUS.ESME_RBINDFAIL, `${mode} not allowed`);
    if (this.bindCount(account.systemId) >= account.maxBinds) return refuse(STATUS.ESME_RBINDFAIL, `more than ${account.maxBinds} binds`);
    session.acceptBind(pdu, mode, this.name.slice(0, 15));
    this.counters.bindsAccepted++;
    if (canDeliver(session.state)) this.outbox(account.systemId).addReceiver(session);
  }

  private bindCount(systemId: string): number {
    let n = 0;
    for (const server of this.servers) for (const s of server.sessions) if (s.systemId === systemId && s.state.startsWith('bound')) n++;
    return n;
  }

  /** Counts PDUs per connection and drops it after `disconnectAfterPdus`; true if dropped. */
  private disconnectCheck(session: SmppSession): boolean {
    const load = this.loads.get(session);
    const limit = this.behaviourValue.disconnectAfterPdus;
    if (!load) return false;
    load.pdus++;
    if (limit > 0 && load.pdus >= limit) {
      session.destroy('local');
      return true;
    }
    return false;
  }

  private onRequest(session: SmppSession, load: BindLoad, pdu: Pdu): void {
    if (this.disconnectCheck(session)) return;
    switch (pdu.command) {
      case 'submit_sm':
      case 'data_sm':
      case 'submit_multi':
        return this.submits.handle(session, load, pdu);
      case 'query_sm':
        return this.onQuery(session, pdu);
      case 'cancel_sm':
        return this.onCancel(session, pdu);
      default:
        // replace_sm and the broadcast commands: a real SMSC that lacks them says so.
        session.respond(pdu, {}, STATUS.ESME_RINVCMDID);
    }
  }

  private ownRecord(session: SmppSession, pdu: Pdu): MessageRecord | undefined {
    const record = this.messages.get(String(pdu.message_id));
    return record && record.systemId === session.systemId ? record : undefined;
  }

  private onQuery(session: SmppSession, pdu: Pdu): void {
    this.counters.queries++;
    const record = this.ownRecord(session, pdu);
    if (!record) return session.respond(pdu, {}, STATUS.ESME_RQUERYFAIL);
    session.respond(pdu, {
      message_id: record.messageId,
      final_date: record.doneAt ? `${receiptDate(record.doneAt)}00000+` : '',
      message_state: QUERY_STATE[record.state],
      error_code: 0,
    });
  }

  private onCancel(session: SmppSession, pdu: Pdu): void {
    this.counters.cancels++;
    const record = this.ownRecord(session, pdu);
    if (!record || record.state !== 'ENROUTE') return session.respond(pdu, {}, STATUS.ESME_RCANCELFAIL);
    record.state = 'DELETED';
    record.doneAt = new Date();
    session.respond(pdu);
  }
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return new Simulator(options).start();
}
