/**
 * PDU codec: bytes ⇄ plain objects, driven by the `smpp` package's definition tables
 * (command ids, mandatory parameters in order, TLV tags and their types).
 *
 * Why not the package's own PDU class: its decoder rewrites `short_message` and
 * `message_payload` into text with the wrong alphabet for data_coding 0 and ignores the
 * message-class bits, turns `validity_period` into a Date, copies every PDU through
 * Buffer.concat, and reads past a truncated body without noticing. Here octet fields stay
 * octets (the encodings layer decides what they mean), time fields stay the SMPP strings,
 * every read is bounds-checked, and a short body is a CodecError the session can answer.
 */
import smpp from 'smpp';
import type { FieldType } from 'smpp';
import { STATUS } from './status.js';

export const HEADER_BYTES = 16;

/** A decoded PDU: the header plus mandatory parameters and TLVs by their spec names. */
export interface Pdu {
  command: string;
  command_id: number;
  command_status: number;
  sequence_number: number;
  /** TLVs whose tag the tables do not know, kept for pass-through. */
  unknown_tlvs?: { tag: number; value: Buffer }[];
  [field: string]: unknown;
}

export interface DestAddress {
  dest_addr_ton?: number;
  dest_addr_npi?: number;
  destination_addr?: string;
  dl_name?: string;
}

export interface UnsuccessSme {
  dest_addr_ton: number;
  dest_addr_npi: number;
  destination_addr: string;
  error_status_code: number;
}

/**
 * A PDU we could frame but not decode. `status` is what to answer; `fatal` errors mean the
 * byte stream can no longer be trusted (answer with generic_nack, then close).
 */
export class CodecError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fatal: boolean,
  ) {
    super(message);
    this.name = 'CodecError';
  }
}

// Field kinds, resolved once from the package's type objects so the hot loops switch on ints.
const enum Kind {
  Int8,
  Int16,
  Int32,
  CString,
  OctetString, // 1-octet length prefix, then octets (short_message)
  DestAddresses,
  UnsuccessSmes,
  TlvString, // TLV of type "string": the TLV length is the string length
  TlvBuffer,
}

interface FieldSpec {
  name: string;
  kind: Kind;
}

interface CommandSpec {
  name: string;
  id: number;
  params: FieldSpec[];
  paramNames: ReadonlySet<string>;
  /** Some responses rename a TLV (broadcast_sm_resp). */
  tlvMap: Record<string, string>;
  isResponse: boolean;
}

interface TlvSpec {
  name: string;
  tag: number;
  kind: Kind;
  multiple: boolean;
}

function kindOf(type: FieldType, isTlv: boolean): Kind {
  const t = smpp.types;
  if (isTlv) {
    if (type === t.tlv.int8) return Kind.Int8;
    if (type === t.tlv.int16) return Kind.Int16;
    if (type === t.tlv.int32) return Kind.Int32;
    if (type === t.tlv.cstring) return Kind.CString;
    if (type === t.tlv.string) return Kind.TlvString;
    return Kind.TlvBuffer;
  }
  if (type === t.int8) return Kind.Int8;
  if (type === t.int16) return Kind.Int16;
  if (type === t.int32) return Kind.Int32;
  if (type === t.cstring) return Kind.CString;
  if (type === t.buffer || type === t.string) return Kind.OctetString;
  if (type === t.dest_address_array) return Kind.DestAddresses;
  if (type === t.unsuccess_sme_array) return Kind.UnsuccessSmes;
  throw new Error('smpp package defines a parameter type this codec does not know');
}

const COMMANDS_BY_ID = new Map<number, CommandSpec>();
const COMMANDS_BY_NAME = new Map<string, CommandSpec>();
for (const def of Object.values(smpp.commands)) {
  const spec: CommandSpec = {
    name: def.command,
    id: def.id >>> 0,
    params: Object.entries(def.params ?? {}).map(([name, p]) => ({ name, kind: kindOf(p.type, false) })),
    paramNames: new Set(Object.keys(def.params ?? {})),
    tlvMap: def.tlvMap ?? {},
    isResponse: (def.id & 0x80000000) !== 0,
  };
  COMMANDS_BY_ID.set(spec.id, spec);
  COMMANDS_BY_NAME.set(spec.name, spec);
}

const TLVS_BY_TAG = new Map<number, TlvSpec>();
const TLVS_BY_NAME = new Map<string, TlvSpec>();
for (const def of Object.values(smpp.tlvs)) {
  const spec: TlvSpec = { name: def.tag, tag: def.id, kind: kindOf(def.type, true), multiple: def.multiple === true };
  TLVS_BY_TAG.set(spec.tag, spec);
  TLVS_BY_NAME.set(spec.name, spec);
}
// A TLV renamed by a command's tlvMap still encodes under the tag of its original name.
for (const def of Object.values(smpp.commands)) {
  for (const [original, renamed] of Object.entries(def.tlvMap ?? {})) {
    const spec = TLVS_BY_NAME.get(original);
    if (spec) TLVS_BY_NAME.set(renamed, spec);
  }
}

const HEADER_FIELDS = new Set(['command', 'command_id', 'command_status', 'sequence_number', 'unknown_tlvs']);

export function commandId(name: string): number {
  const spec = COMMANDS_BY_NAME.get(name);
  if (!spec) throw new Error(`unknown SMPP command "${name}"`);
  return spec.id;
}

export function commandName(id: number): string | undefined {
  return COMMANDS_BY_ID.get(id >>> 0)?.name;
}

export function isResponseId(id: number): boolean {
  return (id & 0x80000000) !== 0;
}

/** The response command for a request, e.g. submit_sm → submit_sm_resp; undefined if none. */
export function responseCommandFor(name: string): string | undefined {
  const resp = `${name}_resp`;
  return COMMANDS_BY_NAME.has(resp) ? resp : undefined;
}

// ---------------------------------------------------------------- decoding

class Reader {
  constructor(
    readonly buf: Buffer,
    public offset: number,
    readonly end: number,
  ) {}

  get remaining(): number {
    return this.end - this.offset;
  }

  need(n: number, what: string): void {
    if (this.offset + n > this.end) throw new CodecError(`${what} runs past the end of the PDU`, STATUS.ESME_RINVCMDLEN, true);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.offset++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  cstring(what: string): string {
    const nul = this.buf.indexOf(0, this.offset);
    if (nul < 0 || nul >= this.end) throw new CodecError(`${what} has no NUL terminator`, STATUS.ESME_RINVCMDLEN, true);
    // latin1, not ascii: Node's ascii decoder clears the high bit, which would be lossy.
    const s = this.buf.toString('latin1', this.offset, nul);
    this.offset = nul + 1;
    return s;
  }

  octets(n: number, what: string): Buffer {
    this.need(n, what);
    // Copy: the frame is a slice of a larger socket chunk we must not keep alive.
    const out = Buffer.from(this.buf.subarray(this.offset, this.offset + n));
    this.offset += n;
    return out;
  }
}

function readParam(r: Reader, f: FieldSpec): unknown {
  switch (f.kind) {
    case Kind.Int8:
      return r.u8(f.name);
    case Kind.Int16:
      return r.u16(f.name);
    case Kind.Int32:
      return r.u32(f.name);
    case Kind.CString:
      return r.cstring(f.name);
    case Kind.OctetString:
      return r.octets(r.u8(`${f.name} length`), f.name);
    case Kind.DestAddresses: {
      const out: DestAddress[] = [];
      for (let n = r.u8('number_of_dests'); n > 0; n--) {
        const flag = r.u8('dest_flag');
        if (flag === 1) {
          out.push({ dest_addr_ton: r.u8('dest_addr_ton'), dest_addr_npi: r.u8('dest_addr_npi'), destination_addr: r.cstring('destination_addr') });
        } else if (flag === 2) {
          out.push({ dl_name: r.cstring('dl_name') });
        } else {
          throw new CodecError(`dest_flag ${flag} is neither 1 (SME address) nor 2 (distribution list)`, STATUS.ESME_RINVDESTFLAG, false);
        }
      }
      return out;
    }
    case Kind.UnsuccessSmes: {
      const out: UnsuccessSme[] = [];
      for (let n = r.u8('no_unsuccess'); n > 0; n--) {
        out.push({
          dest_addr_ton: r.u8('dest_addr_ton'),
          dest_addr_npi: r.u8('dest_addr_npi'),
          destination_addr: r.cstring('destination_addr'),
          error_status_code: r.u32('error_status_code'),
        });
      }
      return out;
    }
    default:
      throw new Error('TLV kind used as a mandatory parameter');
  }
}

function readTlvValue(buf: Buffer, offset: number, length: number, spec: TlvSpec): unknown {
  const bad = (expected: number) =>
    new CodecError(`TLV ${spec.name} has length ${length}, expected ${expected}`, STATUS.ESME_RINVTLVLEN, false);
  switch (spec.kind) {
    case Kind.Int8:
      if (length !== 1) throw bad(1);
      return buf[offset]!;
    case Kind.Int16:
      if (length !== 2) throw bad(2);
      return buf.readUInt16BE(offset);
    case Kind.Int32:
      if (length !== 4) throw bad(4);
      return buf.readUInt32BE(offset);
    case Kind.CString: {
      // The length includes the NUL; tolerate a peer that forgot it (Kannel-era SMSCs do).
      const end = length > 0 && buf[offset + length - 1] === 0 ? offset + length - 1 : offset + length;
      return buf.toString('latin1', offset, end);
    }
    case Kind.TlvString:
      return buf.toString('latin1', offset, offset + length);
    default:
      return Buffer.from(buf.subarray(offset, offset + length));
  }
}

/**
 * Decodes one framed PDU (exactly command_length bytes). Throws CodecError when the body
 * does not match the command; an unknown command id decodes to command "unknown".
 */
export function decodePdu(frame: Buffer): Pdu {
  const length = frame.readUInt32BE(0);
  const id = frame.readUInt32BE(4);
  const pdu: Pdu = {
    command: 'unknown',
    command_id: id,
    command_status: frame.readUInt32BE(8),
    sequence_number: frame.readUInt32BE(12),
  };
  const spec = COMMANDS_BY_ID.get(id);
  if (!spec) return pdu;
  pdu.command = spec.name;
  const r = new Reader(frame, HEADER_BYTES, length);
  for (const f of spec.params) {
    // SMSCs often send an error response with no body (SMPP 3.4 §4.4.2 allows it for
    // submit_sm_resp); a response may stop early, a request may not.
    if (spec.isResponse && r.remaining === 0) break;
    pdu[f.name] = readParam(r, f);
  }
  while (r.remaining > 0) {
    if (r.remaining < 4) throw new CodecError(`${r.remaining} stray octets after the last TLV`, STATUS.ESME_RINVTLVSTREAM, false);
    const tag = r.u16('TLV tag');
    const len = r.u16('TLV length');
    if (len > r.remaining) throw new CodecError(`TLV 0x${tag.toString(16)} length ${len} runs past the end of the PDU`, STATUS.ESME_RINVTLVSTREAM, false);
    const tlv = TLVS_BY_TAG.get(tag);
    if (!tlv) {
      (pdu.unknown_tlvs ??= []).push({ tag, value: Buffer.from(frame.subarray(r.offset, r.offset + len)) });
    } else {
      const name = spec.tlvMap[tlv.name] ?? tlv.name;
      const value = readTlvValue(frame, r.offset, len, tlv);
      if (tlv.multiple) {
        const list = (pdu[name] as unknown[] | undefined) ?? [];
        list.push(value);
        pdu[name] = list;
      } else {
        pdu[name] = value;
      }
    }
    r.offset += len;
  }
  return pdu;
}

// ---------------------------------------------------------------- encoding

function bytesOf(value: unknown): Buffer {
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  return Buffer.from(String(value), 'latin1');
}

function sizeOfParam(kind: Kind, value: unknown): number {
  switch (kind) {
    case Kind.Int8:
      return 1;
    case Kind.Int16:
      return 2;
    case Kind.Int32:
      return 4;
    case Kind.CString:
      return bytesOf(value).length + 1;
    case Kind.OctetString:
      return bytesOf(value).length + 1;
    case Kind.DestAddresses:
      return ((value as DestAddress[] | undefined) ?? []).reduce(
        (n, d) => n + (d.dl_name !== undefined ? 2 + bytesOf(d.dl_name).length : 4 + bytesOf(d.destination_addr).length),
        1,
      );
    case Kind.UnsuccessSmes:
      return ((value as UnsuccessSme[] | undefined) ?? []).reduce((n, u) => n + 7 + bytesOf(u.destination_addr).length, 1);
    default:
      throw new Error('TLV kind used as a mandatory parameter');
  }
}

function tlvBytes(spec: TlvSpec, value: unknown): Buffer {
  switch (spec.kind) {
    case Kind.Int8:
      return Buffer.of(Number(value) & 0xff);
    case Kind.Int16: {
      const b = Buffer.alloc(2);
      b.writeUInt16BE(Number(value) & 0xffff);
      return b;
    }
    case Kind.Int32: {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(Number(value) >>> 0);
      return b;
    }
    case Kind.CString:
      return Buffer.concat([bytesOf(value), Buffer.of(0)]);
    default:
      return bytesOf(value);
  }
}

class Writer {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  u8(v: unknown): void {
    this.buf[this.offset++] = Number(v ?? 0) & 0xff;
  }

  u16(v: unknown): void {
    this.buf.writeUInt16BE(Number(v ?? 0) & 0xffff, this.offset);
    this.offset += 2;
  }

  u32(v: unknown): void {
    this.buf.writeUInt32BE(Number(v ?? 0) >>> 0, this.offset);
    this.offset += 4;
  }

  raw(b: Buffer): void {
    b.copy(this.buf, this.offset);
    this.offset += b.length;
  }

  cstring(v: unknown): void {
    this.raw(bytesOf(v));
    this.buf[this.offset++] = 0;
  }
}

function writeParam(w: Writer, kind: Kind, value: unknown): void {
  switch (kind) {
    case Kind.Int8:
      return w.u8(value);
    case Kind.Int16:
      return w.u16(value);
    case Kind.Int32:
      return w.u32(value);
    case Kind.CString:
      return w.cstring(value);
    case Kind.OctetString: {
      const b = bytesOf(value);
      w.u8(b.length);
      return w.raw(b);
    }
    case Kind.DestAddresses: {
      const list = (value as DestAddress[] | undefined) ?? [];
      w.u8(list.length);
      for (const d of list) {
        if (d.dl_name !== undefined) {
          w.u8(2);
          w.cstring(d.dl_name);
        } else {
          w.u8(1);
          w.u8(d.dest_addr_ton);
          w.u8(d.dest_addr_npi);
          w.cstring(d.destination_addr);
        }
      }
      return;
    }
    case Kind.UnsuccessSmes: {
      const list = (value as UnsuccessSme[] | undefined) ?? [];
      w.u8(list.length);
      for (const u of list) {
        w.u8(u.dest_addr_ton);
        w.u8(u.dest_addr_npi);
        w.cstring(u.destination_addr);
        w.u32(u.error_status_code);
      }
      return;
    }
    default:
      throw new Error('TLV kind used as a mandatory parameter');
  }
}

/** The fields a caller gives to build a PDU: parameters and TLVs by spec name. */
export type PduFields = Record<string, unknown>;

/**
 * The fields of `command` without its TLVs: what an SMPP 3.3 peer may be sent (3.3 has no
 * optional parameters, and a strict 3.3 decoder refuses a PDU longer than its fields).
 */
export function mandatoryFields(command: string, fields: PduFields): PduFields {
  const spec = COMMANDS_BY_NAME.get(command);
  if (!spec) throw new Error(`unknown SMPP command "${command}"`);
  return Object.fromEntries(Object.entries(fields).filter(([key]) => spec.paramNames.has(key)));
}

/**
 * Encodes a PDU. Missing mandatory parameters take their zero value; any other field whose
 * name is a TLV is written as that TLV. A non-zero status on a response with no fields
 * encodes a header-only PDU, which is what SMSCs and ESMEs expect for errors.
 */
export function encodePdu(command: string, sequenceNumber: number, fields: PduFields = {}, status = 0): Buffer {
  const spec = COMMANDS_BY_NAME.get(command);
  if (!spec) throw new Error(`unknown SMPP command "${command}"`);
  const headerOnly = status !== 0 && spec.isResponse && Object.keys(fields).length === 0;
  const params = headerOnly ? [] : spec.params;

  let length = HEADER_BYTES;
  for (const p of params) {
    const value = fields[p.name];
    if (p.kind === Kind.OctetString && bytesOf(value).length > 255) {
      throw new RangeError(`${p.name} holds ${bytesOf(value).length} octets; at most 255 fit, use message_payload`);
    }
    length += sizeOfParam(p.kind, value);
  }
  const tlvParts: Buffer[] = [];
  if (!headerOnly) {
    for (const key of Object.keys(fields)) {
      if (HEADER_FIELDS.has(key) || spec.paramNames.has(key)) continue;
      const tlv = TLVS_BY_NAME.get(key);
      const value = fields[key];
      if (!tlv || value === undefined) continue;
      const values = tlv.multiple && Array.isArray(value) ? value : [value];
      for (const v of values) {
        const body = tlvBytes(tlv, v);
        if (body.length > 0xffff) throw new RangeError(`TLV ${key} holds ${body.length} octets; at most 65535 fit`);
        const head = Buffer.alloc(4);
        head.writeUInt16BE(tlv.tag, 0);
        head.writeUInt16BE(body.length, 2);
        tlvParts.push(head, body);
      }
    }
    for (const u of (fields.unknown_tlvs as Pdu['unknown_tlvs']) ?? []) {
      const head = Buffer.alloc(4);
      head.writeUInt16BE(u.tag, 0);
      head.writeUInt16BE(u.value.length, 2);
      tlvParts.push(head, u.value);
    }
  }
  for (const part of tlvParts) length += part.length;

  const w = new Writer(Buffer.allocUnsafe(length));
  w.u32(length);
  w.u32(spec.id);
  w.u32(status);
  w.u32(sequenceNumber);
  for (const p of params) writeParam(w, p.kind, fields[p.name]);
  for (const part of tlvParts) w.raw(part);
  return w.buf;
}

/** Encodes a generic_nack: the answer to a PDU we cannot parse or do not know. */
export function encodeGenericNack(sequenceNumber: number, status: number): Buffer {
  return encodePdu('generic_nack', sequenceNumber, {}, status);
}
