/**
 * Upstream accounts, as the rest of the gateway sees them. accounts/ implements the
 * directory (stored accounts, scrypt passwords, bind rules, lockout); upstream/ asks it at
 * every bind and never sees a password hash.
 */
import type { ErrorCode } from '../errors.js';

export type AccountBindMode = 'transmitter' | 'receiver' | 'transceiver';

export interface Account {
  /** SMPP system_id: 1 to 15 characters (SMPP 3.4 §5.2.1). */
  systemId: string;
  enabled: boolean;
  bindModes: AccountBindMode[];
  /** IPv4/IPv6 addresses or CIDR blocks a bind may come from; empty means any. */
  allowedSources: string[];
  maxBinds: number;
  throughputMsgPerSec: number;
  /** Messages accepted but not yet final before submits get ESME_RMSGQFUL. */
  maxQueued: number;
  /** Destination numbers or prefixes (digits) whose MO go to this account. */
  moPrefixes: string[];
  /** Whether receipts go to the account's receiver binds (stored while none is bound). */
  dlrOverSmpp: boolean;
}

export interface BindAttempt {
  systemId: string;
  password: string;
  mode: AccountBindMode;
  remoteAddress: string;
  /** Binds this account holds right now, on any connection. */
  currentBinds: number;
  now: number;
}

/**
 * A refused bind: the code maps to the wire (0x0F, 0x0E, 0x0D); the reason is for logs.
 * `lockout` says the address's lockout is involved: `began` (this failure locked it) or
 * `locked` (refused unheard, as it is locked): the audit trail records a lock once, not
 * every attempt it refuses.
 */
export type BindDecision =
  | { ok: true; account: Account }
  | { ok: false; code: Extract<ErrorCode, 'BAD_SYSTEM_ID' | 'BAD_PASSWORD' | 'BIND_NOT_ALLOWED'>; reason: string; lockout?: 'began' | 'locked' };

export interface AccountDirectory {
  /**
   * Decides one bind: address lockout, credentials (scrypt, constant time), enabled, mode,
   * source address, bind limit. Records the failure for lockout when refused.
   */
  authorizeBind(attempt: BindAttempt): Promise<BindDecision>;
  /** The current account, re-read so changes by the CLI apply to the next bind and submit. */
  get(systemId: string): Account | undefined;
}
