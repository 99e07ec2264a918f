/**
 * Messages each account has accepted that are not final yet, for its `maxQueued` limit
 * (ESME_RMSGQFUL, 0x14). An in-memory count rather than a COUNT query per submit: the
 * messages table has no index by account and state, and a submit must not cost a scan.
 *
 * A slot is reserved before the enqueue (so a burst of submits in flight is counted too),
 * kept when the store accepts the message, and freed by the store's 'final' event, or at
 * once when the enqueue fails.
 *
 * Approximate across restarts, and documented so: messages accepted before this process
 * started are not counted, so after a restart an account may hold up to twice its limit
 * until the old ones finish. The map of ids holds only messages not final yet, at most the
 * sum of the accounts' maxQueued: it never grows with traffic.
 */
import type { EventEmitter } from 'node:events';
import type { MessageState } from '../messages/types.js';

type FinalEvents = EventEmitter<{ final: [id: string, state: MessageState] }>;

export class QueueTracker {
  private readonly perAccount = new Map<string, number>();
  private readonly accountOf = new Map<string, string>();
  private readonly onFinal = (id: string) => {
    const account = this.accountOf.get(id);
    if (account === undefined) return; // accepted before this process, or not through a client
    this.accountOf.delete(id);
    this.release(account);
  };

  constructor(private readonly events: FinalEvents) {
    events.on('final', this.onFinal);
  }

  /** Reserves a slot; false when the account already has `max` messages not final. */
  tryReserve(account: string, max: number): boolean {
    const n = this.perAccount.get(account) ?? 0;
    if (n >= max) return false;
    this.perAccount.set(account, n + 1);
    return true;
  }

  /** The reserved slot now belongs to a stored message, until its final state. */
  accepted(id: string, account: string): void {
    this.accountOf.set(id, account);
  }

  /** Frees a slot: the enqueue failed, or the message became final. */
  release(account: string): void {
    const n = (this.perAccount.get(account) ?? 0) - 1;
    if (n > 0) this.perAccount.set(account, n);
    else this.perAccount.delete(account);
  }

  /** Messages of the account not final yet (as counted here: see the policy above). */
  count(account: string): number {
    return this.perAccount.get(account) ?? 0;
  }

  /** Every account with messages not final yet, and how many (for /metrics). */
  entries(): { account: string; n: number }[] {
    return [...this.perAccount].map(([account, n]) => ({ account, n }));
  }

  close(): void {
    this.events.off('final', this.onFinal);
  }
}
