/**
 * The daemon's retention passes (retention.ts): one a minute after start (or sooner, with a
 * short interval), then one every `retention.intervalMs` after the last ended, never two at
 * once. Each pass is audited (`retention.run`, actor `daemon`, counts per class) and logged;
 * a failed pass is logged and the next one tries again. `stop` ends a pass under way at its
 * next batch, before the store closes.
 */
import type { AuditEntry } from '../obs/audit.js';
import type { Logger } from '../obs/logger.js';
import { RETENTION_CLASSES, total, type Retention, type RetentionReport } from './retention.js';

const FIRST_PASS_MAX_MS = 60_000;

/** A report's counts as an audit row's detail: one number per class. */
export function retentionDetail(report: RetentionReport): Record<string, number> {
  return Object.fromEntries(RETENTION_CLASSES.map((c) => [c, report[c].count]));
}

export class RetentionSchedule {
  #timer: NodeJS.Timeout | undefined;
  /** The last pass asked for: passes run one after the other. */
  #last: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(
    private readonly o: {
      retention: Pick<Retention, 'run'>;
      intervalMs: number;
      audit: (entry: AuditEntry) => void;
      logger: Logger;
    },
  ) {}

  start(): void {
    this.#arm(Math.min(FIRST_PASS_MAX_MS, this.o.intervalMs));
  }

  /** Runs a pass now (after the one under way, if any); resolves with what it purged. */
  runNow(): Promise<RetentionReport> {
    const pass = this.#last.catch(() => undefined).then(() => this.#pass());
    this.#last = pass;
    return pass;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#last.catch(() => undefined);
  }

  #arm(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.runNow().then(
        () => this.#arm(this.o.intervalMs),
        (err: unknown) => {
          this.o.logger.warn('a retention pass failed; the next one tries again', { error: err instanceof Error ? err.message : String(err) });
          this.#arm(this.o.intervalMs);
        },
      );
    }, delayMs);
    this.#timer.unref();
  }

  async #pass(): Promise<RetentionReport> {
    const report = await this.o.retention.run({ stopping: () => this.#stopped });
    this.o.audit({ actor: 'daemon', action: 'retention.run', detail: retentionDetail(report) });
    if (total(report) > 0) this.o.logger.info('retention purged what was past its time', retentionDetail(report));
    return report;
  }
}
