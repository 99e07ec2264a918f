/**
 * Passes on the held MO an operator released (`maskgate held release`): the CLI marks rows in
 * the store, the daemon notices them here at numbers.abuse.releasePollMs and sends each
 * through the normal MO path (so the parts of a long MO still join), then deletes it.
 */
import type { Logger } from '../obs/logger.js';
import type { WriteBatcher } from '../store/write-batcher.js';
import type { HeldMo } from './held-mo.js';
import type { MessageContent } from './types.js';

const BATCH = 100;

export class HeldReleaser {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly o: {
      held: Pick<HeldMo, 'released' | 'passedOn'>;
      writes: WriteBatcher;
      take: (recipient: string, carrier: string, content: MessageContent) => Promise<unknown>;
      intervalMs: number;
      logger: Logger;
    },
  ) {}

  start(): void {
    this.#timer = setInterval(() => {
      this.#running ??= this.passOn().finally(() => (this.#running = undefined));
    }, this.o.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  /** Passes on what is released now; never throws (the next poll tries again). */
  async passOn(): Promise<void> {
    try {
      for (const row of this.o.held.released(BATCH)) {
        await this.o.take(row.recipient, row.carrier, row.content);
        await this.o.held.passedOn(this.o.writes, row.seq);
      }
    } catch (err) {
      this.o.logger.warn('passing on released held MO failed; the next poll tries again', { error: err instanceof Error ? err.message : String(err) });
    }
  }
}
