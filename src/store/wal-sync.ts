/**
 * Durable commits without stopping the event loop. Under `synchronous = FULL` SQLite
 * fsyncs the WAL inside COMMIT, on the thread that commits: the daemon stood still for
 * every group commit, up to 100 ms and more on a busy disk (the relay benchmark's p99).
 * The daemon's connection runs `synchronous = NORMAL` instead, where a commit only appends
 * to the WAL, and this module fdatasyncs the WAL file on libuv's thread pool after each
 * commit; the WriteBatcher answers a batch's callers only once that returned. A WAL
 * transaction is durable once its frames are on disk, which is exactly what FULL waits
 * for; here the wait happens off the loop. Checkpoints sync as SQLite does under NORMAL.
 *
 * Syncs coalesce: while one runs, the commits after it share the next one, which starts
 * when it ends (an fsync already under way may not cover frames appended after it began).
 * fsync acts on the file, not the descriptor, so our own read-only descriptor on the WAL
 * flushes what SQLite's connection wrote. SQLite keeps the file (it rewinds it after a
 * checkpoint, never replaces it) while the connection is open.
 *
 * What changes: a commit is visible to reads before it is durable. Nobody is told of it
 * before then (no submit_sm_resp, no carrier answered for a receipt), but the dispatcher
 * may already send a just-accepted message; should power fail in that gap, the message is
 * gone from the store while its client, never answered, submits it again: one duplicate,
 * the same exposure as a crash while a message is in flight.
 */
import { close, fdatasync, open } from 'node:fs';
import { promisify } from 'node:util';
import type { Database } from './database.js';

const openFile = promisify(open);
const syncFile = promisify(fdatasync);
const closeFile = promisify(close);

export interface WalSyncer {
  /** Resolves once every WAL frame committed before the call is on disk. */
  sync(): Promise<void>;
  /** Waits for the syncs under way and releases the descriptor. */
  close(): Promise<void>;
}

export function walSyncer(db: Database): WalSyncer {
  if (db.memory) return { sync: () => Promise.resolve(), close: () => Promise.resolve() };
  const walPath = `${db.name}-wal`;
  let fd: Promise<number> | undefined;
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;

  const syncNow = async () => syncFile(await (fd ??= openFile(walPath, 'r')));
  const sync = (): Promise<void> => {
    if (!running) {
      running = syncNow().finally(() => (running = undefined));
      return running;
    }
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return sync();
      });
    return next;
  };
  return {
    sync,
    async close() {
      await Promise.allSettled([running, next]);
      if (fd) await closeFile(await fd);
      fd = undefined;
    },
  };
}
