/**
 * Splits a TCP byte stream into PDU frames by command_length (SMPP 3.4 §3.2), across any
 * chunking. It never decodes bodies: a frame is handed on whole, or the stream is declared
 * broken when command_length cannot be right (shorter than a header, longer than we allow).
 */
import { HEADER_BYTES } from './codec.js';

export type Frame =
  | { kind: 'pdu'; bytes: Buffer }
  /** The stream cannot be trusted any more: answer generic_nack 0x02 with this sequence, then close. */
  | { kind: 'bad_length'; commandLength: number; sequenceNumber: number };

export class PduFramer {
  private pending: Buffer = Buffer.alloc(0);
  private broken = false;

  constructor(private readonly maxPduBytes: number) {}

  /** Octets received but not yet part of a whole frame (bounded by maxPduBytes). */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): void {
    if (this.broken) return;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
  }

  /** The next whole frame, or null until more bytes arrive. After bad_length it yields nothing. */
  next(): Frame | null {
    if (this.broken || this.pending.length < 4) return null;
    const commandLength = this.pending.readUInt32BE(0);
    if (commandLength < HEADER_BYTES || commandLength > this.maxPduBytes) {
      this.broken = true;
      // The sequence number is only meaningful if the header claims to be a header.
      const sequenceNumber = commandLength >= HEADER_BYTES && this.pending.length >= HEADER_BYTES ? this.pending.readUInt32BE(12) : 0;
      this.pending = Buffer.alloc(0);
      return { kind: 'bad_length', commandLength, sequenceNumber };
    }
    if (this.pending.length < commandLength) return null;
    const bytes = this.pending.subarray(0, commandLength);
    this.pending = this.pending.subarray(commandLength);
    return { kind: 'pdu', bytes };
  }
}
