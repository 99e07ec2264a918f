/**
 * The Node side of esme.pl: each method sends one JSON request and resolves with its reply,
 * so a check reads as a sequence of SMPP operations done by Net::SMPP. What Net::SMPP
 * warned about on the way (undecodable TLVs, say) is collected as a finding.
 */
import { fileURLToPath } from 'node:url';
import type { Child, Children } from './children.js';
import type { PerlPdu } from './perl-pdu.js';

const SCRIPT = fileURLToPath(new URL('./esme.pl', import.meta.url));
/** Perl's own deadline for one operation; Node waits a little longer so Perl's message wins. */
const DEFAULT_TIMEOUT_MS = 15_000;
const NODE_MARGIN_MS = 5_000;

export type BindMode = 'transceiver' | 'transmitter' | 'receiver';

export interface Credentials {
  port: number;
  systemId: string;
  password: string;
}

interface Reply {
  id?: number;
  ok: boolean;
  error?: string;
  pdu?: PerlPdu;
  closed_after?: boolean;
  warnings?: string[];
}

export class PerlEsme {
  readonly warnings: string[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

  private constructor(private readonly child: Child) {
    child.onLine((line) => this.onLine(line));
    void child.exited.then(() => {
      for (const p of this.pending.values()) p.reject(new Error(`esme.pl exited${child.tailForReport()}`));
      this.pending.clear();
    });
  }

  static start(children: Children, name: string): PerlEsme {
    return new PerlEsme(children.spawn(name, 'perl', [SCRIPT]));
  }

  bind(session: string, mode: BindMode, to: Credentials): Promise<PerlPdu> {
    return this.pduOf('bind', { session, mode, port: to.port, system_id: to.systemId, password: to.password });
  }

  submit(session: string, fields: Record<string, string | number>): Promise<PerlPdu> {
    return this.pduOf('submit', { session, fields });
  }

  query(session: string, fields: Record<string, string | number>): Promise<PerlPdu> {
    return this.pduOf('query', { session, fields });
  }

  enquireLink(session: string): Promise<PerlPdu> {
    return this.pduOf('enquire_link', { session });
  }

  unknownCommand(session: string, commandId: number): Promise<PerlPdu> {
    return this.pduOf('unknown_command', { session, command_id: commandId });
  }

  /** The next request the peer sent on this session (a deliver_sm), within `timeoutMs`. */
  read(session: string, timeoutMs: number): Promise<PerlPdu> {
    return this.pduOf('read', { session }, timeoutMs);
  }

  async respond(session: string, command: 'deliver_sm_resp', seq: number, status = 0): Promise<void> {
    await this.call('respond', { session, command, seq, status });
  }

  /** unbind, its response, and whether the peer then closed the connection. */
  async unbind(session: string): Promise<{ pdu: PerlPdu; closedAfter: boolean }> {
    const reply = await this.call('unbind', { session }, 5_000);
    return { pdu: reply.pdu!, closedAfter: reply.closed_after === true };
  }

  async close(session: string): Promise<void> {
    await this.call('close', { session });
  }

  private async pduOf(op: string, args: Record<string, unknown>, timeoutMs?: number): Promise<PerlPdu> {
    const reply = await this.call(op, args, timeoutMs);
    if (!reply.pdu) throw new Error(`esme.pl answered ${op} without a PDU`);
    if (reply.pdu.framing !== 'ok') throw new Error(`${reply.pdu.command} (status ${String(reply.pdu.status)}) is mis-framed: ${String(reply.pdu.framing)}; body ${String(reply.pdu.body_hex)}`);
    return reply.pdu;
  }

  private call(op: string, args: Record<string, unknown>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Reply> {
    if (!this.child.running) return Promise.reject(new Error(`esme.pl is not running${this.child.tailForReport()}`));
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`esme.pl did not answer ${op} within ${timeoutMs + NODE_MARGIN_MS} ms`));
      }, timeoutMs + NODE_MARGIN_MS);
      this.pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          for (const w of reply.warnings ?? []) this.warnings.push(`${op}${args.session ? ` on ${String(args.session)}` : ''}: ${w}`);
          if (reply.ok) resolve(reply);
          else reject(new Error(`Net::SMPP ${op}: ${reply.error ?? 'failed'}`));
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.child.write(JSON.stringify({ id, op, timeout_ms: timeoutMs, ...args }));
    });
  }

  private onLine(line: string): void {
    let reply: Reply;
    try {
      reply = JSON.parse(line) as Reply;
    } catch {
      this.warnings.push(`esme.pl printed a line that is not JSON: ${line.slice(0, 200)}`);
      return;
    }
    const waiter = reply.id === undefined ? undefined : this.pending.get(reply.id);
    if (!waiter) {
      this.warnings.push(`esme.pl sent an unexpected reply: ${line.slice(0, 200)}`);
      return;
    }
    this.pending.delete(reply.id!);
    waiter.resolve(reply);
  }
}
