/**
 * What `maskgate status` shows of the running daemon. The CLI is another process and cannot
 * see the daemon's memory, so the daemon publishes a small snapshot into the routing store
 * every couple of seconds: one `meta` row, `daemon:status`, holding JSON with the time it was
 * written. The CLI reads it and says how old it is; a clean stop writes a last one marked
 * stopped, and one not rewritten for a while means the daemon is gone or stalled.
 *
 * The snapshot is built from what the services count anyway (carrier links' bind states and
 * response counters, the dispatcher's counters, the submit tally, the webhook sender), read
 * once per interval: the message path pays nothing. It holds:
 * - each carrier's binds (state per bind, how many up), its lane and window in use, its pace;
 * - rates: messages accepted from clients and sent to carriers over the last minute;
 * - the recent errors (recent-errors.ts), found by comparing counters between intervals, plus
 *   those the daemon notes as they happen (binds refused, messages ended undelivered).
 * Queue depths are not here: they are in the store, and the CLI counts them there.
 *
 * The write is one cheap statement on the daemon's connection, outside the group commit: the
 * snapshot needs no fsync, and an old one lost in a crash is what "stale" reports anyway.
 */
import os from 'node:os';
import type { Database } from '../store/database.js';
import type { Logger } from './logger.js';
import { RecentErrors, type ErrorEvent, type RecentError } from './recent-errors.js';

export const STATUS_META_KEY = 'daemon:status';
export const STATUS_INTERVAL_MS = 2_000;
/** Five snapshots missed: the daemon is not running, or is stalled. */
export const STATUS_STALE_MS = 10_000;
const RATE_WINDOW_MS = 60_000;

/** A carrier link as it reports itself (carriers/carrier-link.ts CarrierStatus, structurally). */
export interface CarrierReading {
  name: string;
  available: boolean;
  rate: number;
  configuredRate: number;
  queued: number;
  inFlight: number;
  binds: { slot: number; mode: string; state: string; reconnects: number; lastClose: string | undefined }[];
  counters: { responses: ReadonlyMap<number, number>; timeouts: number };
}

export interface StatusSources {
  carriers: () => CarrierReading[];
  statusName: (status: number) => string;
  /** Messages carriers accepted since start (the dispatcher's counter). */
  sent: () => number;
  /** Submits by account and outcome since start (accounts/submit-tally.ts): accepted, or the refusing code. */
  submits: () => readonly { account: string; outcome: string; n: number }[];
  /** Client SMPP sessions open now. */
  clientSessions: () => number;
  webhooks?: { counters: { attemptsFailed: number; deadLettered: number } };
}

export interface CarrierSnapshot {
  name: string;
  available: boolean;
  bindsUp: number;
  binds: { slot: number; mode: string; state: string; lastClose: string | null }[];
  /** Submits waiting in the carrier's lane, and awaiting a response. */
  queued: number;
  inFlight: number;
  rate: number;
  configuredRate: number;
}

export interface StatusSnapshot {
  /** Epoch ms of this write. */
  at: number;
  startedAt: number;
  /** Set by the last write of a clean stop. */
  stoppedAt: number | null;
  pid: number;
  host: string;
  intervalMs: number;
  carriers: CarrierSnapshot[];
  clientSessions: number;
  /** Over the last `windowMs` (a minute, or since start if shorter). */
  rates: { windowMs: number; accepted: number; sent: number };
  errors: RecentError[];
}

interface Totals {
  at: number;
  accepted: number;
  sent: number;
}

export class StatusPublisher {
  readonly errors: RecentErrors;
  readonly #db: Database;
  readonly #sources: StatusSources;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #startedAt: number;
  readonly #write: (value: string) => void;
  /** Counters as last seen, by a key naming what they count: their increase is news. */
  readonly #seen = new Map<string, number>();
  /** Totals of the last minute, oldest first; the first is the base of the rates. */
  readonly #samples: Totals[] = [];
  #timer: NodeJS.Timeout | undefined;
  #failing = false;

  constructor(opts: { db: Database; sources: StatusSources; logger: Logger; now?: () => number }) {
    this.#db = opts.db;
    this.#sources = opts.sources;
    this.#logger = opts.logger;
    this.#now = opts.now ?? Date.now;
    this.errors = new RecentErrors(undefined, this.#now);
    this.#startedAt = this.#now();
    this.#samples.push(this.#totals());
    const upsert = this.#db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.#write = (value) => upsert.run(STATUS_META_KEY, value);
  }

  /** An error as it happens (a bind refused, a message ended undelivered). */
  noteError(event: ErrorEvent): void {
    this.errors.note(event);
  }

  start(): void {
    this.publish();
    this.#timer = setInterval(() => this.publish(), STATUS_INTERVAL_MS);
    this.#timer.unref();
  }

  /** The last snapshot, marked stopped; call before the store closes. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.publish(true);
  }

  /** Builds and writes one snapshot (the timer calls it; tests may too). */
  publish(stopped = false): StatusSnapshot {
    const snapshot = this.snapshot(stopped);
    try {
      this.#write(JSON.stringify(snapshot));
      if (this.#failing) this.#logger.info('the status snapshot is written again');
      this.#failing = false;
    } catch (err) {
      // Logged once per streak: a store busy for a while must not fill the log every 2 s.
      if (!this.#failing) this.#logger.warn('writing the status snapshot failed; `maskgate status` shows it as stale until a write succeeds', { error: err instanceof Error ? err.message : String(err) });
      this.#failing = true;
    }
    return snapshot;
  }

  snapshot(stopped = false): StatusSnapshot {
    const now = this.#now();
    const carriers = this.#sources.carriers();
    this.#noteCarrierErrors(carriers);
    this.#noteCountedErrors();
    return {
      at: now,
      startedAt: this.#startedAt,
      stoppedAt: stopped ? now : null,
      pid: process.pid,
      host: os.hostname(),
      intervalMs: STATUS_INTERVAL_MS,
      carriers: carriers.map((c) => ({
        name: c.name,
        available: c.available,
        bindsUp: c.binds.filter((b) => b.state === 'bound').length,
        binds: c.binds.map((b) => ({ slot: b.slot, mode: b.mode, state: b.state, lastClose: b.lastClose ?? null })),
        queued: c.queued,
        inFlight: c.inFlight,
        rate: c.rate,
        configuredRate: c.configuredRate,
      })),
      clientSessions: this.#sources.clientSessions(),
      rates: this.#rates(now),
      errors: this.errors.list(),
    };
  }

  #totals(): Totals {
    const accepted = this.#sources.submits().reduce((n, r) => (r.outcome === 'accepted' ? n + r.n : n), 0);
    return { at: this.#now(), accepted, sent: this.#sources.sent() };
  }

  #rates(now: number): StatusSnapshot['rates'] {
    const current = this.#totals();
    this.#samples.push(current);
    // Keep the newest sample at least a minute old as the base; drop those before it.
    while (this.#samples.length > 1 && this.#samples[1]!.at <= now - RATE_WINDOW_MS) this.#samples.shift();
    const base = this.#samples[0]!;
    return { windowMs: now - base.at, accepted: current.accepted - base.accepted, sent: current.sent - base.sent };
  }

  /** How much a running total grew since the last look. */
  #grew(key: string, total: number): number {
    const before = this.#seen.get(key) ?? 0;
    this.#seen.set(key, total);
    return Math.max(0, total - before);
  }

  #noteCarrierErrors(carriers: CarrierReading[]): void {
    for (const c of carriers) {
      for (const b of c.binds) {
        // A reconnect means the bind was lost or a connect failed; lastClose says why.
        const lost = this.#grew(`bind-reconnects\n${c.name}\n${b.slot}`, b.reconnects);
        this.errors.note({ kind: 'carrier.bind', code: b.lastClose ?? 'lost', carrier: c.name }, lost);
      }
      for (const [status, n] of c.counters.responses) {
        if (status === 0) continue;
        this.errors.note({ kind: 'carrier.status', code: this.#sources.statusName(status), carrier: c.name }, this.#grew(`responses\n${c.name}\n${status}`, n));
      }
      this.errors.note({ kind: 'carrier.timeout', code: 'no response', carrier: c.name }, this.#grew(`timeouts\n${c.name}`, c.counters.timeouts));
    }
  }

  #noteCountedErrors(): void {
    for (const r of this.#sources.submits()) {
      if (r.outcome === 'accepted') continue;
      this.errors.note({ kind: 'submit.refused', code: r.outcome, account: r.account }, this.#grew(`submits\n${r.account}\n${r.outcome}`, r.n));
    }
    const webhooks = this.#sources.webhooks?.counters;
    if (webhooks) {
      this.errors.note({ kind: 'webhook.failed', code: 'attempt failed' }, this.#grew('webhooks-failed', webhooks.attemptsFailed));
      this.errors.note({ kind: 'webhook.dead', code: 'dead-lettered' }, this.#grew('webhooks-dead', webhooks.deadLettered));
    }
  }
}

export type SnapshotReading =
  | { kind: 'none' }
  | { kind: 'running'; snapshot: StatusSnapshot; ageMs: number }
  | { kind: 'stopped'; snapshot: StatusSnapshot }
  | { kind: 'stale'; snapshot: StatusSnapshot; ageMs: number };

/** The CLI side: the last snapshot and what its age says about the daemon. */
export function readStatusSnapshot(db: Database, now = Date.now()): SnapshotReading {
  const value = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(STATUS_META_KEY) as string | undefined;
  if (value === undefined) return { kind: 'none' };
  const snapshot = JSON.parse(value) as StatusSnapshot;
  if (snapshot.stoppedAt !== null) return { kind: 'stopped', snapshot };
  const ageMs = now - snapshot.at;
  return ageMs > STATUS_STALE_MS ? { kind: 'stale', snapshot, ageMs } : { kind: 'running', snapshot, ageMs };
}
