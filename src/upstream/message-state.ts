/**
 * Our message states as query_sm_resp reports them (SMPP 3.4 §5.2.28). Our ACCEPTED means
 * "in our queue, not yet at a carrier", not the spec's final ACCEPTED (read by customer
 * service), so a client sees it as ENROUTE, like a message a carrier holds.
 */
import type { MessageState } from '../messages/types.js';

export const SMPP_MESSAGE_STATE: Record<MessageState, number> = {
  ACCEPTED: 1, // ENROUTE
  ENROUTE: 1,
  DELIVERED: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIVERABLE: 5,
  UNKNOWN: 7,
  REJECTED: 8,
};

/** An instant as an absolute SMPP time in UTC, `YYMMDDhhmmss000+` (SMPP 3.4 §7.1.1). */
export function smppAbsoluteTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCFullYear() % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}000+`;
}
