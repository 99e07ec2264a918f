/**
 * The kind of sender a message goes out from, as carriers see it. Carriers price, filter and
 * even route by it: many networks accept alphanumeric senders only when registered, short
 * codes only on their own network, and numeric senders only when they look like real
 * numbers. So routes may match on it (`match.senderTypes`).
 *
 * The rules, in order:
 * 1. TON 5 (alphanumeric, SMPP 3.4 §5.2.5) or any letter → 'alphanumeric'. Carriers judge
 *    by the content: a sender with letters cannot be dialled back, whatever TON came with it.
 * 2. TON 3 (network specific) or TON 6 (abbreviated) → 'shortcode': that is how SMSCs mark
 *    short codes and service numbers of their own network.
 * 3. 3 to 8 digits → 'shortcode'. Clients often send short codes with TON 1/NPI 1 because
 *    their SMPP library defaults to it; carriers go by the length. Only a handful of tiny
 *    numbering plans (Niue, Tokelau) have full international numbers that short.
 * 4. Anything else → 'numeric' (a full number; an empty sender, which the carrier replaces
 *    with its default, counts as numeric too).
 */
import type { SenderType } from '../messages/types.js';

const TON_NETWORK_SPECIFIC = 3;
const TON_ALPHANUMERIC = 5;
const TON_ABBREVIATED = 6;

export function senderType(sourceAddr: string, sourceTon: number): SenderType {
  const addr = sourceAddr.trim();
  if (sourceTon === TON_ALPHANUMERIC || /\p{L}/u.test(addr)) return 'alphanumeric';
  if (sourceTon === TON_NETWORK_SPECIFIC || sourceTon === TON_ABBREVIATED) return 'shortcode';
  if (/^\+?\d{3,8}$/.test(addr)) return 'shortcode';
  return 'numeric';
}
