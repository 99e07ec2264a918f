/**
 * The fields a submit_sm and a deliver_sm share, to and from the domain's MessageContent:
 * one place for every direction (a client's submit_sm, a carrier's MO, the submit_sm to a
 * carrier, the MO to a client). No validation here;
 * each edge applies its own policy (upstream/submit-translation.ts refuses bad addresses,
 * an MO is taken as the carrier sent it).
 */
import type { MessageContent } from '../messages/types.js';
import type { Pdu, PduFields } from './codec.js';

/** TLVs that travel with a message as they came: the long-message carriers. */
export const PASS_THROUGH_TLVS = ['message_payload', 'sar_msg_ref_num', 'sar_total_segments', 'sar_segment_seqnum'] as const;

export function pduInt(pdu: Pdu, field: string): number {
  const v = pdu[field];
  return typeof v === 'number' ? v : 0;
}

export function pduStr(pdu: Pdu, field: string): string {
  const v = pdu[field];
  return typeof v === 'string' ? v : '';
}

export function contentFromPdu(pdu: Pdu): MessageContent {
  const content: MessageContent = {
    sourceAddr: pduStr(pdu, 'source_addr'),
    sourceTon: pduInt(pdu, 'source_addr_ton'),
    sourceNpi: pduInt(pdu, 'source_addr_npi'),
    destinationAddr: pduStr(pdu, 'destination_addr'),
    destTon: pduInt(pdu, 'dest_addr_ton'),
    destNpi: pduInt(pdu, 'dest_addr_npi'),
    esmClass: pduInt(pdu, 'esm_class'),
    protocolId: pduInt(pdu, 'protocol_id'),
    priorityFlag: pduInt(pdu, 'priority_flag'),
    dataCoding: pduInt(pdu, 'data_coding'),
    shortMessage: Buffer.isBuffer(pdu.short_message) ? pdu.short_message : Buffer.alloc(0),
  };
  const tlvs: NonNullable<MessageContent['tlvs']> = {};
  for (const name of PASS_THROUGH_TLVS) {
    const value = pdu[name];
    if (typeof value === 'number' || typeof value === 'string' || Buffer.isBuffer(value)) tlvs[name] = value;
  }
  if (Object.keys(tlvs).length > 0) content.tlvs = tlvs;
  return content;
}

/** The PDU fields of a message; the caller adds what its command needs (registered_delivery). */
export function pduFromContent(c: MessageContent): PduFields {
  return {
    // First, so a TLV named like a mandatory field cannot replace it.
    ...c.tlvs,
    source_addr_ton: c.sourceTon,
    source_addr_npi: c.sourceNpi,
    source_addr: c.sourceAddr,
    dest_addr_ton: c.destTon,
    dest_addr_npi: c.destNpi,
    destination_addr: c.destinationAddr,
    esm_class: c.esmClass,
    protocol_id: c.protocolId,
    priority_flag: c.priorityFlag,
    data_coding: c.dataCoding,
    short_message: c.shortMessage,
  };
}
