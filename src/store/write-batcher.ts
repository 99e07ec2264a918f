/**
 * Group commit. Every write to the routing store goes through here as a small synchronous
 * operation; operations queued within a few milliseconds run together in ONE transaction,
 * and each caller's promise resolves only after that transaction committed. With
 * `synchronous = FULL` a commit is an fsync, so this is what makes a durable accept path
 * of thousands of messages per second possible: the cost of one fsync is shared by the batch.
 *
 * Flushed when `maxBatch` operations are waiting, or `maxDelayMs` after the first one.
 * A failing operation fails the whole transaction (nothing of the batch is written) and
 * every promise of the batch rejects: callers never believe in a write that did not happen.
 * Bounded: past `maxPending` waiting operations, `write` rejects at once (the caller turns
 * it into "queue full").
 */
import type { Database } from './database.js';
import { GatewayError } from '../errors.js';

interface Pending {
  op: () => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface WriteBatcherOptions {
  maxBatch: number;
  maxDelayMs: number;
  maxPending: number;
  /** Told the duration of each commit, for metrics and benchmarks. */
  onCommit?: (ops: number, ms: number) => void;
  /**
   * Makes a commit durable when the connection does not (synchronous = NORMAL, wal-sync.ts):
   * callers are answered once it resolves. Without it, the commit itself is durable.
   */
  sync?: () => Promise<void>;
}

export class WriteBatcher {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Syncs under way: a timed flush waits for them, so the batch grows meanwhile. */
  private syncing = 0;
  private flushAfterSync = false;

  constructor(
    private readonly db: Database,
    private readonly options: WriteBatcherOptions,
  ) {}

  get waiting(): number {
    return this.pending.length;
  }

  /** Queues a write; resolves once it is committed. */
  write(op: () => void): Promise<void> {
    if (this.closed) return Promise.reject(new GatewayError('STORE_FAILED', 'the store is closing; no more writes are accepted'));
    if (this.pending.length >= this.options.maxPending) {
      return Promise.reject(new GatewayError('QUEUE_FULL', `${this.pending.length} writes already wait for the store; try again shortly`));
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      if (this.pending.length >= this.options.maxBatch) this.flush();
      else if (!this.timer) this.timer = setTimeout(() => this.flushWhenSynced(), this.options.maxDelayMs);
    });
  }

  /**
   * The timer's flush. While the previous batch is being synced, committing a small batch
   * now would not answer anyone sooner (its own sync starts after that one anyway); what
   * arrives meanwhile joins one larger batch instead, committed when the sync returns:
   * fewer transactions under load, the same latency when idle.
   */
  private flushWhenSynced(): void {
    this.timer = undefined;
    if (this.syncing > 0) this.flushAfterSync = true;
    else this.flush();
  }

  /** Commits what is waiting now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const started = performance.now();
    try {
      // IMMEDIATE: the write lock first. A deferred batch that reads, then writes after another
      // process committed (a CLI command, keys rotate) fails at once with SQLITE_BUSY, without
      // waiting out busy_timeout.
      this.db
        .transaction(() => {
          for (const p of batch) p.op();
        })
        .immediate();
    } catch (err) {
      const failure = new GatewayError('STORE_FAILED', `a batch of ${batch.length} writes failed and was rolled back: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      for (const p of batch) p.reject(failure);
      return;
    }
    const sync = this.options.sync;
    if (!sync) {
      this.options.onCommit?.(batch.length, performance.now() - started);
      for (const p of batch) p.resolve();
      return;
    }
    this.syncing++;
    sync()
      .then(
        () => {
          this.options.onCommit?.(batch.length, performance.now() - started);
          for (const p of batch) p.resolve();
        },
        (err: unknown) => {
          // Committed, but not known to be on disk: no caller may count on it (a submit is
          // refused; the message may still go out, as after any failure past the commit).
          const failure = new GatewayError('STORE_FAILED', `a batch of ${batch.length} writes was committed but could not be synced to disk: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
          for (const p of batch) p.reject(failure);
        },
      )
      .finally(() => {
        if (--this.syncing > 0 || !this.flushAfterSync) return;
        this.flushAfterSync = false;
        this.flush();
      });
  }

  /** Commits what is waiting and refuses further writes. */
  close(): void {
    this.flush();
    this.closed = true;
  }
}
