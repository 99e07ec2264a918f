/**
 * How much waits, as `maskgate status` shows it, counted in the routing store (the queues
 * live on disk, so the CLI sees them as the daemon does, running or not):
 * - MT queued for dispatch, per account;
 * - receipts and MO owed to each account's client (stored while it has no receiver bind);
 * - MT held by a content rule, MO held from a watched sender, both awaiting an operator.
 */
import type { Database } from '../store/database.js';

export interface AccountQueues {
  account: string;
  /** MT waiting for the dispatcher. */
  queued: number;
  /** Receipts waiting for the account's receiver bind. */
  receiptsOwed: number;
  /** MO waiting for the account's receiver bind. */
  moOwed: number;
}

export interface QueueDepths {
  accounts: AccountQueues[];
  total: { queued: number; receiptsOwed: number; moOwed: number };
  held: { mt: number; mo: number };
}

export function queueDepths(db: Database): QueueDepths {
  const perAccount = (sql: string) => db.prepare<[], { account: string; n: number }>(sql).all();
  const byAccount = new Map<string, AccountQueues>();
  const entry = (account: string) => {
    let e = byAccount.get(account);
    if (!e) byAccount.set(account, (e = { account, queued: 0, receiptsOwed: 0, moOwed: 0 }));
    return e;
  };
  for (const r of perAccount('SELECT account, count(*) AS n FROM messages WHERE queued = 1 GROUP BY account')) entry(r.account).queued = r.n;
  for (const r of perAccount('SELECT account, count(*) AS n FROM client_receipts GROUP BY account')) entry(r.account).receiptsOwed = r.n;
  for (const r of perAccount('SELECT account, count(*) AS n FROM client_mo GROUP BY account')) entry(r.account).moOwed = r.n;
  const accounts = [...byAccount.values()].sort((a, b) => (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
  const sum = (key: 'queued' | 'receiptsOwed' | 'moOwed') => accounts.reduce((n, a) => n + a[key], 0);
  const count = (sql: string) => db.prepare(sql).pluck().get() as number;
  return {
    accounts,
    total: { queued: sum('queued'), receiptsOwed: sum('receiptsOwed'), moOwed: sum('moOwed') },
    held: {
      // As messages/held-messages.ts counts them: a rule named, not queued, not final.
      mt: count('SELECT count(*) FROM messages WHERE held_rule IS NOT NULL AND queued = 0 AND done_at IS NULL'),
      mo: count('SELECT count(*) FROM held_mo WHERE released_at IS NULL'),
    },
  };
}
