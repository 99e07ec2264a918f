/**
 * The Node side of smsc.pl, Net::SMPP as the carrier SMSC our gateway binds to: it keeps
 * every event the SMSC reported (connections, each PDU it received, receipts it sent), so
 * a check can wait for one that already happened as well as one still to come, and it asks
 * the SMSC to send a receipt for a message it accepted.
 */
import { fileURLToPath } from 'node:url';
import type { Child, Children } from './children.js';
import type { PerlPdu } from './perl-pdu.js';

const SCRIPT = fileURLToPath(new URL('./smsc.pl', import.meta.url));

export interface SmscEvent {
  event: 'listening' | 'connected' | 'pdu' | 'closed' | 'receipt_sent' | 'sent' | 'error';
  /** On sent: the request the SMSC sent of its own accord. */
  command?: string;
  conn?: number;
  pdu?: PerlPdu;
  /** On a submit_sm: the id the SMSC answered with. */
  message_id?: string;
  /** On a bind: the command_status the SMSC answered with. */
  answered?: number | string;
  port?: number;
  /** On receipt_sent: the deliver_sm's sequence number. */
  seq?: number;
  reason?: string;
  error?: string;
  text?: string;
  warnings?: string[];
}

export type ReceiptMode = 'text' | 'tlv' | 'text+tlv';

export class PerlSmsc {
  readonly events: SmscEvent[] = [];
  readonly warnings: string[] = [];
  /** PDUs the SMSC received whose body does not add up (common.pl framing_of). */
  readonly misframed: string[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly child: Child,
    readonly port: number,
  ) {}

  /** Starts smsc.pl for one account; resolves once it listens. */
  static async start(children: Children, account: { systemId: string; password: string }): Promise<PerlSmsc> {
    const child = children.spawn('smsc.pl', 'perl', [SCRIPT], {
      env: { ...process.env, INTEROP_SMSC_SYSTEM_ID: account.systemId, INTEROP_SMSC_PASSWORD: account.password },
    });
    const early: SmscEvent[] = [];
    const off = child.onLine((line) => early.push(parseEvent(line)));
    const port = await child.waitForLine('"listening" event', 10_000, (line) => {
      const e = parseEvent(line);
      return e.event === 'listening' ? e.port : undefined;
    });
    off();
    const smsc = new PerlSmsc(child, port);
    for (const e of early) smsc.record(e);
    child.onLine((line) => smsc.record(parseEvent(line)));
    return smsc;
  }

  /** The first event, past (from index `since` on) or future, that `match` accepts. */
  waitFor(what: string, timeoutMs: number, match: (e: SmscEvent) => boolean, since = 0): Promise<SmscEvent> {
    const find = () => this.events.slice(since).find(match);
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = find();
        if (hit) finish(() => resolve(hit));
        else if (!this.child.running) finish(() => reject(new Error(`smsc.pl exited before ${what}${this.child.tailForReport()}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`the Net::SMPP SMSC saw no ${what} within ${timeoutMs} ms`))), timeoutMs);
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        settle();
      };
      this.waiters.add(check);
      void this.child.exited.then(check);
    });
  }

  /** Events carrying a PDU of this command. */
  pdus(command: string): SmscEvent[] {
    return this.events.filter((e) => e.event === 'pdu' && e.pdu?.command === command);
  }

  /** Asks the SMSC to send a receipt for a message it accepted; resolves once it is sent. */
  async sendReceipt(messageId: string, mode: ReceiptMode, stat: string): Promise<SmscEvent> {
    const since = this.events.length;
    this.child.write(JSON.stringify({ op: 'receipt', message_id: messageId, mode, stat }));
    const e = await this.waitFor(`receipt_sent for ${messageId}`, 5_000, (ev) => (ev.event === 'receipt_sent' && ev.message_id === messageId) || ev.event === 'error', since);
    if (e.event === 'error') throw new Error(`smsc.pl could not send the receipt: ${e.error}`);
    return e;
  }

  /** The connection of the latest accepted bind, while it is open. */
  boundConn(): number | undefined {
    const bind = this.events.findLast((e) => e.event === 'pdu' && /^bind_/.test(e.pdu?.command ?? '') && Number(e.answered) === 0);
    const closed = bind && this.events.some((e) => e.event === 'closed' && e.conn === bind.conn);
    return bind && !closed ? bind.conn : undefined;
  }

  /** The SMSC sends enquire_link or unbind on `conn`; resolves with the gateway's response PDU. */
  async request(conn: number, command: 'enquire_link' | 'unbind', timeoutMs: number): Promise<PerlPdu> {
    const since = this.events.length;
    this.child.write(JSON.stringify({ op: command, conn }));
    const sent = await this.waitFor(`${command} sent`, 5_000, (e) => (e.event === 'sent' && e.command === command) || e.event === 'error', since);
    if (sent.event === 'error') throw new Error(`smsc.pl could not send ${command}: ${sent.error}`);
    const resp = await this.waitFor(`${command}_resp from the gateway`, timeoutMs, (e) => e.conn === conn && e.pdu?.command !== undefined && e.pdu.command !== command && Number(e.pdu.seq) === Number(sent.seq) && (e.pdu.command === `${command}_resp` || e.pdu.command === 'generic_nack'), since);
    return resp.pdu!;
  }

  private record(e: SmscEvent): void {
    this.events.push(e);
    if (e.pdu && e.pdu.framing !== 'ok') this.misframed.push(`${e.pdu.command}: ${String(e.pdu.framing)}; body ${String(e.pdu.body_hex)}`);
    for (const w of e.warnings ?? []) this.warnings.push(`smsc.pl${e.pdu ? ` (${e.pdu.command})` : ''}: ${w}`);
    for (const check of [...this.waiters]) check();
  }
}

function parseEvent(line: string): SmscEvent {
  try {
    return JSON.parse(line) as SmscEvent;
  } catch {
    return { event: 'error', error: `smsc.pl printed a line that is not JSON: ${line.slice(0, 200)}` };
  }
}
