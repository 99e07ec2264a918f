/**
 * Liveness of one session as a pure function of time (smppex's smpp_timers): the session
 * feeds it what happened and asks `tick(now)` what to do. No timer lives in here, so tests
 * drive it with plain numbers.
 */
export interface LinkTimerConfig {
  /** Close a connection that has not bound by then (0 = never). */
  bindTimeoutMs: number;
  /** Send enquire_link after this long without inbound traffic while bound (0 = never). */
  enquireLinkIntervalMs: number;
  /** How long an enquire_link may go unanswered before the link is declared dead. */
  enquireLinkTimeoutMs: number;
  /** Close after this long without any inbound PDU (0 = never). */
  idleTimeoutMs: number;
}

export type LinkAction = { do: 'ok' } | { do: 'enquire_link' } | { do: 'stop'; reason: 'bind_timeout' | 'idle_timeout' | 'enquire_link_timeout' };

export class LinkTimers {
  private lastInboundAt: number;
  private enquireSentAt: number | null = null;
  private bound = false;

  constructor(
    private readonly config: LinkTimerConfig,
    private readonly openedAt: number,
  ) {
    this.lastInboundAt = openedAt;
  }

  inbound(now: number): void {
    this.lastInboundAt = now;
  }

  boundAt(now: number): void {
    this.bound = true;
    this.lastInboundAt = now;
  }

  enquireLinkSent(now: number): void {
    this.enquireSentAt = now;
  }

  enquireLinkAnswered(): void {
    this.enquireSentAt = null;
  }

  tick(now: number): LinkAction {
    const c = this.config;
    if (!this.bound && c.bindTimeoutMs > 0 && now - this.openedAt >= c.bindTimeoutMs) return { do: 'stop', reason: 'bind_timeout' };
    if (this.enquireSentAt !== null && now - this.enquireSentAt >= c.enquireLinkTimeoutMs) return { do: 'stop', reason: 'enquire_link_timeout' };
    if (c.idleTimeoutMs > 0 && now - this.lastInboundAt >= c.idleTimeoutMs) return { do: 'stop', reason: 'idle_timeout' };
    if (this.bound && this.enquireSentAt === null && c.enquireLinkIntervalMs > 0 && now - this.lastInboundAt >= c.enquireLinkIntervalMs) {
      return { do: 'enquire_link' };
    }
    return { do: 'ok' };
  }

  /** How often the session should call tick: fine enough for the shortest configured period. */
  get resolutionMs(): number {
    const periods = [this.config.bindTimeoutMs, this.config.enquireLinkIntervalMs, this.config.idleTimeoutMs, this.config.enquireLinkTimeoutMs].filter((p) => p > 0);
    if (periods.length === 0) return 0;
    return Math.min(1000, Math.max(10, Math.floor(Math.min(...periods) / 4)));
  }
}
