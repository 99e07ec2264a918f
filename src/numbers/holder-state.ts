/**
 * The state of a lease, mask or session as operators and accounts see it. The store only
 * knows ended or not; a holder past its TTL that the sweeper has not ended yet is already
 * unused (every lookup checks the expiry), so it shows as expired rather than active.
 */

/** active: in force; expired: past its TTL, awaiting the sweeper; ended: by its end reason. */
export type HolderState = 'active' | 'expired' | 'ended';

export const HOLDER_STATES: readonly HolderState[] = ['active', 'expired', 'ended'];

export function holderStateAt(holder: { expiresAt: number; endedAt: number | null }, now = Date.now()): HolderState {
  return holder.endedAt !== null ? 'ended' : holder.expiresAt <= now ? 'expired' : 'active';
}
