/**
 * How `keys rotate` knows the running daemon seals under the new master key version, before
 * it re-seals anything: the one moment it must not guess. The daemon announces, in each
 * store's meta table (`sealer`), the version it seals under, its pid, host and a heartbeat;
 * the CLI reads it.
 *
 * The announcement of version V is written only after every record the daemon sealed under
 * an older version is committed. Records are sealed when their write is queued (in the same
 * tick), and the routing store's group commit (write-batcher.ts) commits writes in the order
 * they were queued, so the announcement goes through that same queue: when it commits,
 * everything sealed before the version changed has committed with it or before it. The
 * contact store commits each write at once, so its announcement is written directly.
 *
 * Daemon side (`announceSealing`): at start, when the key ring's current version changes,
 * and every 5 s as a heartbeat; a clean stop removes it.
 *
 * CLI side (`awaitSealing`): a store's daemon runs if its announcement exists, its heartbeat
 * is at most 30 s old, and (on the same host) its pid is alive: a daemon killed with -9 (its
 * pid gone) or stopped cleanly (its announcement removed) holds no rotation up. If one
 * runs, the CLI waits (up to a minute) for it to announce the new version. A daemon that is
 * alive but stalled longer than 30 s is taken for dead, and one still starting (keys read,
 * nothing announced yet) is not seen; the re-sealer's guard triggers then refuse its
 * old-version writes (resealer.ts) until it reads the key file, so even these cases cannot
 * leave a record sealed under a retired key: those writes fail, and nobody is told they
 * succeeded.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { GatewayError } from '../errors.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { Logger } from '../obs/logger.js';
import type { Database } from './database.js';

const META_KEY = 'sealer';
const HEARTBEAT_MS = 5_000;
/** Six heartbeats missed: the daemon is gone (or stalled, see above). */
const STALE_MS = 30_000;
const WAIT_POLL_MS = 100;
/** A daemon reads the key file within about a second: a minute means it does not. */
const WAIT_DEADLINE_MS = 60_000;

export interface SealerAnnouncement {
  pid: number;
  host: string;
  /** Tells two gateways of one process (tests) apart. */
  instance: string;
  /** Every record sealed under an older version is committed. */
  version: number;
  /** Epoch ms of the write. */
  at: number;
}

export interface AnnouncingStore {
  db: Database;
  /**
   * Runs a write after every write queued before it (the routing store's group commit).
   * Without it the announcement is written at once: the store commits each write itself.
   */
  write?: (op: () => void) => Promise<void>;
}

/** The daemon side: keeps the announcement of each store current until `stop()`. */
export function announceSealing(opts: { ring: KeyRing; stores: readonly AnnouncingStore[]; logger: Logger }): { stop(): void } {
  const instance = randomBytes(8).toString('hex');
  let stopped = false;
  const announce = () => {
    // The version when queued: every write queued after this seals under it or a later one.
    const value = JSON.stringify({ pid: process.pid, host: os.hostname(), instance, version: opts.ring.currentVersion, at: Date.now() } satisfies SealerAnnouncement);
    for (const store of opts.stores) {
      const op = () => store.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(META_KEY, value);
      if (store.write === undefined) run(op);
      else store.write(op).catch(failed);
    }
  };
  const failed = (err: unknown) => {
    if (!stopped) opts.logger.warn('announcing the sealing key version failed; the next heartbeat tries again', { error: err instanceof Error ? err.message : String(err) });
  };
  const run = (op: () => void) => {
    try {
      op();
    } catch (err) {
      failed(err);
    }
  };
  opts.ring.onChange((change) => {
    if (!stopped && change.to !== change.from) announce();
  });
  announce();
  const heartbeat = setInterval(announce, HEARTBEAT_MS);
  heartbeat.unref();
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(heartbeat);
      // Only our own announcement: another daemon may have started on the store since.
      for (const store of opts.stores) {
        const op = () => store.db.prepare(`DELETE FROM meta WHERE key = ? AND json_extract(value, '$.instance') = ?`).run(META_KEY, instance);
        if (store.write === undefined) run(op);
        else store.write(op).catch(() => undefined); // the store is closing: the next start replaces it
      }
    },
  };
}

/** What a store's daemon announced, if anything. */
export function readAnnouncement(db: Database): SealerAnnouncement | undefined {
  const value = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(META_KEY);
  return typeof value === 'string' ? (JSON.parse(value) as SealerAnnouncement) : undefined;
}

/** Whether the daemon that wrote an announcement still runs. */
function isAnnouncerRunning(a: SealerAnnouncement, now = Date.now()): boolean {
  if (now - a.at > STALE_MS) return false;
  return a.host !== os.hostname() || pidAlive(a.pid);
}

/** Whether a process of this host runs with that pid (kill 0 checks without signalling). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

export interface AwaitedStore {
  name: string;
  db: Database;
}

/**
 * The CLI side: resolves once no daemon runs on these stores or each one's daemon announced
 * sealing under `version` or later; `waiting` is told once per store whose daemon it waits for.
 * Throws STORE_FAILED if a running daemon has not announced it within a minute.
 */
export async function awaitSealing(stores: readonly AwaitedStore[], version: number, opts: { waiting?: (store: string, pid: number) => void } = {}): Promise<{ daemon: boolean }> {
  const deadline = Date.now() + WAIT_DEADLINE_MS;
  const told = new Set<string>();
  let daemon = false;
  for (;;) {
    const pending = stores.flatMap((store) => {
      const a = readAnnouncement(store.db);
      if (a === undefined || !isAnnouncerRunning(a)) return [];
      daemon = true;
      return a.version >= version ? [] : [{ store, a }];
    });
    if (pending.length === 0) return { daemon };
    for (const { store, a } of pending) {
      if (!told.has(store.name)) opts.waiting?.(store.name, a.pid);
      told.add(store.name);
    }
    if (Date.now() > deadline) {
      const { store, a } = pending[0]!;
      throw new GatewayError(
        'STORE_FAILED',
        `the daemon (pid ${a.pid} on ${a.host}) of the ${store.name} still seals under master key version ${a.version} after a minute, not ${version}: it has not taken the new key from the key file (is its keys.masterKeyFile this same file? is it stuck? see its log). Nothing was re-sealed and no key retired; run \`maskgate keys rotate\` again once it runs with this key file: it resumes`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}
