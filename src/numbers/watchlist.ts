/**
 * The sender watchlist (abuse controls): senders whose MO are held for review instead of
 * delivered (numbers/mo-router.ts, messages/held-mo.ts). A sender is kept by its blind index
 * (contact-store.ts `blindIndex`), never by number, so the routing store can say "this
 * sender is watched" without holding whom; a listing shows the first digits of the index,
 * which is what an operator matches against `watchlist add` output.
 */
import type { Database } from 'better-sqlite3';

export interface WatchEntry {
  /** The first 12 hex digits of the blind index: enough to tell entries apart. */
  entry: string;
  note: string | null;
  addedAt: number;
}

const ENTRY_CHARS = 12;

export class Watchlist {
  constructor(private readonly db: Database) {}

  /** Watches a sender (by blind index); false when it was watched already. */
  add(partyIndex: string, note: string | undefined, now = Date.now()): boolean {
    return this.db.prepare('INSERT INTO watchlist (party_index, note, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(partyIndex, note ?? null, now).changes > 0;
  }

  /** Stops watching a sender; false when it was not watched. */
  remove(partyIndex: string): boolean {
    return this.db.prepare('DELETE FROM watchlist WHERE party_index = ?').run(partyIndex).changes > 0;
  }

  list(): WatchEntry[] {
    return (this.db.prepare('SELECT party_index, note, added_at FROM watchlist ORDER BY added_at').all() as { party_index: string; note: string | null; added_at: number }[]).map((r) => ({
      entry: entryOf(r.party_index),
      note: r.note,
      addedAt: r.added_at,
    }));
  }
}

export function entryOf(partyIndex: string): string {
  return partyIndex.slice(0, ENTRY_CHARS);
}
