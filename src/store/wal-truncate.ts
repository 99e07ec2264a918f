/**
 * Emptying a store's write-ahead log, for `maskgate forget`: secure_delete zeroes what is
 * deleted in the database's pages, but the log still holds the page images written before,
 * the forgotten number's sealed copy and blind index among them, until SQLite happens to
 * write over them. A TRUNCATE checkpoint copies the log into the database and truncates it
 * to zero bytes.
 *
 * It needs a moment when no other connection reads an older snapshot (the daemon's reads
 * are short): busy answers are retried for a few seconds, without holding anyone up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from './database.js';

const ATTEMPTS = 50;
const PAUSE_MS = 100;

/** Whether the log is empty now (false: readers kept it busy; run the command again). */
export async function truncateWal(db: Database): Promise<boolean> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[];
    if (result && result.busy === 0) return true;
    await sleep(PAUSE_MS);
  }
  return false;
}
