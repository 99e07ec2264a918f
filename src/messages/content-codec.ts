/**
 * MessageContent ⇄ bytes, for sealing into the routing store. JSON with octets as base64:
 * small, versioned by its shape, and fast enough (a few µs a message) next to the fsync it
 * shares with its batch.
 */
import type { MessageContent } from './types.js';

interface Encoded {
  s: string;
  st: number;
  sn: number;
  d: string;
  dt: number;
  dn: number;
  e: number;
  p: number;
  pr: number;
  dc: number;
  m: string;
  t?: Record<string, number | string | { b: string }>;
  /** partOf: reference, total, seq. */
  po?: [number, number, number];
}

export function encodeContent(c: MessageContent): Buffer {
  const e: Encoded = { s: c.sourceAddr, st: c.sourceTon, sn: c.sourceNpi, d: c.destinationAddr, dt: c.destTon, dn: c.destNpi, e: c.esmClass, p: c.protocolId, pr: c.priorityFlag, dc: c.dataCoding, m: c.shortMessage.toString('base64') };
  if (c.partOf) e.po = [c.partOf.reference, c.partOf.total, c.partOf.seq];
  if (c.tlvs) {
    e.t = {};
    for (const [name, value] of Object.entries(c.tlvs)) e.t[name] = Buffer.isBuffer(value) ? { b: value.toString('base64') } : value;
  }
  return Buffer.from(JSON.stringify(e));
}

export function decodeContent(bytes: Buffer): MessageContent {
  const e = JSON.parse(bytes.toString()) as Encoded;
  const content: MessageContent = {
    sourceAddr: e.s,
    sourceTon: e.st,
    sourceNpi: e.sn,
    destinationAddr: e.d,
    destTon: e.dt,
    destNpi: e.dn,
    esmClass: e.e,
    protocolId: e.p,
    priorityFlag: e.pr,
    dataCoding: e.dc,
    shortMessage: Buffer.from(e.m, 'base64'),
  };
  if (e.po) content.partOf = { reference: e.po[0], total: e.po[1], seq: e.po[2] };
  if (e.t) {
    content.tlvs = {};
    for (const [name, value] of Object.entries(e.t)) content.tlvs[name] = typeof value === 'object' ? Buffer.from(value.b, 'base64') : value;
  }
  return content;
}
