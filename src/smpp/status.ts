/**
 * SMPP command_status values and the one table that maps our error codes onto the wire
 * (STYLE.md §3). `close` marks errors after which the session cannot go on (Jasmin's split).
 */
import smpp from 'smpp';
import type { ErrorCode } from '../errors.js';

const e = smpp.errors;

function status(name: string): number {
  const value = e[name];
  if (value === undefined) throw new Error(`smpp package has no status ${name}`);
  return value;
}

/** The statuses we name in code (SMPP 3.4 §5.1.3), read from the package's table. */
export const STATUS = {
  ESME_ROK: status('ESME_ROK'),
  ESME_RINVMSGLEN: status('ESME_RINVMSGLEN'),
  ESME_RINVCMDLEN: status('ESME_RINVCMDLEN'),
  ESME_RINVCMDID: status('ESME_RINVCMDID'),
  ESME_RINVBNDSTS: status('ESME_RINVBNDSTS'),
  ESME_RALYBND: status('ESME_RALYBND'),
  ESME_RSYSERR: status('ESME_RSYSERR'),
  ESME_RINVSRCADR: status('ESME_RINVSRCADR'),
  ESME_RINVDSTADR: status('ESME_RINVDSTADR'),
  ESME_RINVMSGID: status('ESME_RINVMSGID'),
  ESME_RBINDFAIL: status('ESME_RBINDFAIL'),
  ESME_RINVPASWD: status('ESME_RINVPASWD'),
  ESME_RINVSYSID: status('ESME_RINVSYSID'),
  ESME_RCANCELFAIL: status('ESME_RCANCELFAIL'),
  ESME_RMSGQFUL: status('ESME_RMSGQFUL'),
  ESME_RINVDESTFLAG: status('ESME_RINVDESTFLAG'),
  ESME_RSUBMITFAIL: status('ESME_RSUBMITFAIL'),
  ESME_RTHROTTLED: status('ESME_RTHROTTLED'),
  ESME_RQUERYFAIL: status('ESME_RQUERYFAIL'),
  ESME_RINVESMCLASS: status('ESME_RINVESMCLASS'),
  ESME_RINVTLVVAL: status('ESME_RINVTLVVAL'),
  ESME_RINVTLVSTREAM: status('ESME_RINVTLVSTREAM'),
  ESME_RINVTLVLEN: status('ESME_RINVTLVLEN'),
  ESME_RX_T_APPN: status('ESME_RX_T_APPN'),
  ESME_RX_P_APPN: status('ESME_RX_P_APPN'),
  ESME_RDELIVERYFAILURE: status('ESME_RDELIVERYFAILURE'),
  ESME_RUNKNOWNERR: status('ESME_RUNKNOWNERR'),
} as const;

const NAMES = new Map<number, string>(Object.entries(e).map(([name, value]) => [value, name]));

/** `ESME_RTHROTTLED (0x58)`, for logs and error messages. */
export function statusName(value: number): string {
  const name = NAMES.get(value);
  return name ? `${name} (${statusHex(value)})` : statusHex(value);
}

/** `ESME_RTHROTTLED`, or `0x45A` for a status without a name: a metric label. */
export function statusLabel(value: number): string {
  return NAMES.get(value) ?? statusHex(value);
}

const statusHex = (value: number) => `0x${value.toString(16).toUpperCase().padStart(2, '0')}`;

export interface WireStatus {
  status: number;
  close?: true;
}

/** Our error codes on the wire; a missing row is a compile error. */
export const WIRE: Record<ErrorCode, WireStatus> = {
  CONFIG_INVALID: { status: STATUS.ESME_RSYSERR },
  CONFIG_UNREADABLE: { status: STATUS.ESME_RSYSERR },
  SECRET_MISSING: { status: STATUS.ESME_RSYSERR },
  KEY_MISSING: { status: STATUS.ESME_RSYSERR },
  KEY_INVALID: { status: STATUS.ESME_RSYSERR },
  KEY_MISMATCH: { status: STATUS.ESME_RSYSERR },
  STORE_TOO_NEW: { status: STATUS.ESME_RSYSERR },
  STORE_FAILED: { status: STATUS.ESME_RSYSERR },
  USAGE: { status: STATUS.ESME_RSYSERR },
  // No route for the destination: the client learns it as a bad destination (SMPP 3.4 §5.1.3).
  NO_ROUTE: { status: STATUS.ESME_RINVDSTADR },
  // Not an SMPP answer (leases and masks are asked for over the CLI and HTTP), but a temporary one.
  NO_NUMBER_AVAILABLE: { status: STATUS.ESME_RSYSERR },
  BAD_LENGTH: { status: STATUS.ESME_RINVCMDLEN, close: true },
  UNKNOWN_COMMAND: { status: STATUS.ESME_RINVCMDID },
  INVALID_BIND_STATE: { status: STATUS.ESME_RINVBNDSTS },
  ALREADY_BOUND: { status: STATUS.ESME_RALYBND },
  BAD_PASSWORD: { status: STATUS.ESME_RINVPASWD },
  BAD_SYSTEM_ID: { status: STATUS.ESME_RINVSYSID },
  BIND_NOT_ALLOWED: { status: STATUS.ESME_RBINDFAIL },
  BAD_SOURCE: { status: STATUS.ESME_RINVSRCADR },
  BAD_DESTINATION: { status: STATUS.ESME_RINVDSTADR },
  MESSAGE_TOO_LONG: { status: STATUS.ESME_RINVMSGLEN },
  // An odd-length UCS2 body: its length cannot be right.
  BAD_MESSAGE_LENGTH: { status: STATUS.ESME_RINVMSGLEN },
  // UDHI set but no valid UDH: what esm_class announces is not there (no SMPP status names UDHs).
  BAD_UDH: { status: STATUS.ESME_RINVESMCLASS },
  // SAR TLVs that do not add up (SMPP 3.4 0xC4, "Invalid Optional Parameter Value").
  BAD_SAR: { status: STATUS.ESME_RINVTLVVAL },
  THROTTLED: { status: STATUS.ESME_RTHROTTLED },
  QUEUE_FULL: { status: STATUS.ESME_RMSGQFUL },
  MALFORMED_PDU: { status: STATUS.ESME_RINVCMDLEN, close: true },
  // A content rule refused the text. ESME_RSUBMITFAIL (0x45, "submit_sm failed") is what an
  // SMSC answers for a submit refused by its own policy: Jasmin's MT interceptor scripts set it
  // for content they refuse, and carriers use it for spam/DND refusals. Not ESME_RSYSERR,
  // which clients retry as our fault (Jasmin's value filters answer that), nor
  // ESME_RINVMSGLEN, which tells the client its length is wrong when it is not.
  CONTENT_BLOCKED: { status: STATUS.ESME_RSUBMITFAIL },
  CONNECT_TIMEOUT: { status: STATUS.ESME_RSYSERR },
  BIND_TIMEOUT: { status: STATUS.ESME_RSYSERR },
  RESPONSE_TIMEOUT: { status: STATUS.ESME_RSYSERR },
  SESSION_CLOSED: { status: STATUS.ESME_RSYSERR },
  WINDOW_FULL: { status: STATUS.ESME_RTHROTTLED },
  INTERNAL: { status: STATUS.ESME_RSYSERR },
};
