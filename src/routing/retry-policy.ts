/**
 * What a carrier's non-zero command_status means for the message (STYLE.md §3), in the
 * spirit of Haraka's temp_fail versus bounce:
 *
 * - 'throttle': the carrier is alive but full. Slow down and send the same message to the
 *   same carrier a little later; this is not a failure of the carrier.
 * - 'retry': this attempt failed, another may not: the next carrier of the route, or this
 *   one later. Statuses about our bind's state are here too: the bind is our problem, not
 *   the message's, and another bind or carrier can take it.
 * - 'permanent': the same message would fail the same way anywhere. It ends at once, and
 *   the client gets a receipt if it asked for one.
 *
 * A permanent failure ends the message in one of two states (SMPP 3.4 §5.2.28):
 * - REJECTED when the carrier refused the message as invalid input: a bad address, TON/NPI,
 *   length, esm_class, a malformed PDU. Nothing was attempted toward the handset; the client
 *   should fix what it sends.
 * - UNDELIVERABLE when the carrier took the message in hand and delivery itself failed for
 *   good (the receiving application refused it permanently). The message was fine.
 *
 * Unknown statuses, the vendor range 0x400–0x4FF included, are 'retry': a vendor code may
 * well be transient (many carriers use them for "subscriber busy" or "try later"), and a
 * wrong guess costs only attempts, which the dispatcher bounds by the message's validity.
 * A wrong 'permanent' would instead lose a deliverable message for good.
 *
 * Statuses are written as numbers with their SMPP 3.4 §5.1.3 names (SMPP 5.0 §4.7.6 for
 * 0x100 and up): this module is domain code and cannot import the smpp package's table.
 */

export type StatusClass = 'throttle' | 'retry' | 'permanent';
export type PermanentState = 'REJECTED' | 'UNDELIVERABLE';

type Row = readonly [name: string, outcome: 'throttle' | 'retry' | PermanentState];

/** The one table. A status not in it is 'retry' (see above). */
export const STATUS_POLICY: ReadonlyMap<number, Row> = new Map<number, Row>([
  // Full, not broken: slow down, same carrier.
  [0x58, ['ESME_RTHROTTLED', 'throttle']], // over the agreed throughput
  [0x14, ['ESME_RMSGQFUL', 'throttle']], // the SMSC's queue (or our window there) is full

  // Transient, or about the bind rather than the message: try again, elsewhere first.
  [0x03, ['ESME_RINVCMDID', 'retry']], // the bind cannot submit (e.g. a receiver bind): our bind's problem
  [0x04, ['ESME_RINVBNDSTS', 'retry']], // our bind is not in a state to submit: another bind can
  [0x08, ['ESME_RSYSERR', 'retry']], // the SMSC's own failure
  [0x0d, ['ESME_RBINDFAIL', 'retry']], // a bind-level refusal answered to a submit: the bind, not the message
  [0x45, ['ESME_RSUBMITFAIL', 'retry']], // generic; carriers use it for transient failures
  [0x64, ['ESME_RX_T_APPN', 'retry']], // "temporary application error" at the receiver
  [0xc1, ['ESME_RTLVNOTALLWD', 'retry']], // TLV rules differ per carrier: another one may take it
  [0xc3, ['ESME_RMISSINGTLV', 'retry']], // a TLV this carrier wants and another may not
  [0xfe, ['ESME_RDELIVERYFAILURE', 'retry']], // delivery attempt failed (absent handset, …): often temporary
  [0xff, ['ESME_RUNKNOWNERR', 'retry']], // nothing is known, so nothing is final
  [0x101, ['ESME_RPROHIBITED', 'retry']], // this carrier forbids it for our account; another may not
  [0x102, ['ESME_RSERTYPUNAVAIL', 'retry']], // service type unavailable for now

  // Refused as invalid input: REJECTED, another carrier would refuse it too.
  [0x01, ['ESME_RINVMSGLEN', 'REJECTED']], // message too long
  [0x02, ['ESME_RINVCMDLEN', 'REJECTED']], // the PDU we built is malformed: same bytes everywhere
  [0x06, ['ESME_RINVPRTFLG', 'REJECTED']], // priority_flag
  [0x07, ['ESME_RINVREGDLVFLG', 'REJECTED']], // registered_delivery
  [0x0a, ['ESME_RINVSRCADR', 'REJECTED']], // source address
  [0x0b, ['ESME_RINVDSTADR', 'REJECTED']], // destination address
  [0x0c, ['ESME_RINVMSGID', 'REJECTED']], // message_id (replace/cancel/query of an unknown id)
  [0x15, ['ESME_RINVSERTYP', 'REJECTED']], // service_type
  [0x33, ['ESME_RINVNUMDESTS', 'REJECTED']], // submit_multi: number of destinations
  [0x34, ['ESME_RINVDLNAME', 'REJECTED']], // submit_multi: distribution list name
  [0x40, ['ESME_RINVDESTFLAG', 'REJECTED']], // submit_multi: dest_flag
  [0x42, ['ESME_RINVSUBREP', 'REJECTED']], // replace_if_present_flag in submit
  [0x43, ['ESME_RINVESMCLASS', 'REJECTED']], // esm_class
  [0x44, ['ESME_RCNTSUBDL', 'REJECTED']], // cannot submit to a distribution list
  [0x48, ['ESME_RINVSRCTON', 'REJECTED']], // source TON
  [0x49, ['ESME_RINVSRCNPI', 'REJECTED']], // source NPI
  [0x50, ['ESME_RINVDSTTON', 'REJECTED']], // destination TON
  [0x51, ['ESME_RINVDSTNPI', 'REJECTED']], // destination NPI
  [0x54, ['ESME_RINVREPFLAG', 'REJECTED']], // replace_if_present_flag
  [0x55, ['ESME_RINVNUMMSGS', 'REJECTED']], // number of messages
  [0x61, ['ESME_RINVSCHED', 'REJECTED']], // schedule_delivery_time
  [0x62, ['ESME_RINVEXPIRY', 'REJECTED']], // validity_period
  [0x63, ['ESME_RINVDFTMSGID', 'REJECTED']], // sm_default_msg_id
  [0x66, ['ESME_RX_R_APPN', 'REJECTED']], // the receiving application rejects the message
  [0xc0, ['ESME_RINVTLVSTREAM', 'REJECTED']], // our TLVs are malformed: same bytes everywhere
  [0xc2, ['ESME_RINVTLVLEN', 'REJECTED']], // a TLV length is wrong: same bytes everywhere
  [0xc4, ['ESME_RINVTLVVAL', 'REJECTED']], // a TLV value is invalid
  [0x104, ['ESME_RINVDCS', 'REJECTED']], // data_coding

  // Taken in hand, then failed for good: UNDELIVERABLE.
  [0x65, ['ESME_RX_P_APPN', 'UNDELIVERABLE']], // "permanent application error" at the receiver
]);

export function classifyStatus(status: number): StatusClass {
  const outcome = STATUS_POLICY.get(status)?.[1];
  if (outcome === undefined) return 'retry';
  return outcome === 'throttle' || outcome === 'retry' ? outcome : 'permanent';
}

/**
 * The final state a failure with this status gives the message. For a permanent status, its
 * row says. For any other (the dispatcher gave up after a retryable or unknown status, e.g.
 * at the end of the validity period) it is UNDELIVERABLE: the message itself was never
 * found invalid, it just could not be delivered.
 */
export function finalStateFor(status: number): PermanentState {
  const outcome = STATUS_POLICY.get(status)?.[1];
  return outcome === 'REJECTED' ? 'REJECTED' : 'UNDELIVERABLE';
}
