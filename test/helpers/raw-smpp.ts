/**
 * A raw SMPP peer for tests: a bare socket that writes whatever PDU a test asks for (even
 * one our own session would refuse to send, such as a second bind or a submit before any
 * bind) and hands back every PDU received, framed and decoded, in order.
 */
import net from 'node:net';
import { decodePdu, encodePdu, type Pdu, type PduFields } from '../../src/smpp/codec.js';
import { PduFramer } from '../../src/smpp/framer.js';

export class RawSmpp {
  private readonly framer = new PduFramer(65_536);
  private readonly received: Pdu[] = [];
  private readonly waiters: { resolve: (pdu: Pdu) => void; reject: (err: Error) => void }[] = [];
  private sequence = 0;
  private ended = false;
  /** Resolves when the peer (or we) closed the connection. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.framer.push(chunk);
      for (let f = this.framer.next(); f; f = this.framer.next()) {
        if (f.kind !== 'pdu') throw new Error(`the peer sent a bad command_length ${f.commandLength}`);
        this.received.push(decodePdu(f.bytes));
      }
      this.flush();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.ended = true;
        for (const w of this.waiters.splice(0)) w.reject(new Error('connection closed before the next PDU'));
        resolve();
      });
    });
    socket.on('error', () => undefined); // 'close' follows and is what tests await
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawSmpp> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawSmpp(socket));
      });
    });
  }

  private flush(): void {
    while (this.waiters.length > 0 && this.received.length > 0) this.waiters.shift()!.resolve(this.received.shift()!);
  }

  /** Writes a PDU with the next sequence number and returns that number. */
  send(command: string, fields: PduFields = {}): number {
    this.sequence++;
    this.socket.write(encodePdu(command, this.sequence, fields));
    return this.sequence;
  }

  /** Writes bytes as they are (a hand-made header, garbage). */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next PDU received (one already waiting, or the next to arrive); rejects on close. */
  next(): Promise<Pdu> {
    const waiting = this.received.shift();
    if (waiting) return Promise.resolve(waiting);
    if (this.ended) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Sends a request and returns the next PDU, which a simulator with nothing to deliver answers with. */
  async request(command: string, fields: PduFields = {}): Promise<Pdu> {
    this.send(command, fields);
    return this.next();
  }

  close(): void {
    this.socket.destroy();
  }
}
