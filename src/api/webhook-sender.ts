/**
 * Delivers the webhook outbox (webhook-outbox.ts) to each account's endpoint, in the daemon,
 * beside the SMPP traffic and never in its way: nothing on the message path waits for it,
 * and it only reads the outbox and records outcomes through the group commit.
 *
 * Policy:
 * - Due events are read every `pollMs`, and again as soon as a request ends; at most
 *   `concurrency` requests are in flight (p-queue).
 * - Fairness: one account's endpoint gets at most half of the slots, and an endpoint whose
 *   last attempt failed gets one, until an attempt succeeds. A dead endpoint, even one that
 *   accepts connections and never answers, then holds one slot for `timeoutMs` at a time
 *   while the others' events flow. Accounts take turns for the free slots.
 * - A request is a POST of the event's JSON, signed (`signWebhook`), with a deadline of
 *   `timeoutMs`; redirects are not followed (a signed event goes where it was configured).
 * - 2xx: delivered. Any other status, a timeout or a network error: retried after
 *   retryBaseMs·2^(attempt−1), at most retryMaxMs, half of it random (jitter: a recovering
 *   endpoint is not hit by every backlogged event at the same moment), with a last attempt
 *   at the end of the retry window (`retryWindowMs` after the event, or after `webhooks
 *   retry` put it back). A failure at or past the window's end dead-letters the event
 *   (dead_at), logged at warn with its id, never its body. An account without a webhook URL
 *   any more has its events dead-lettered at once: `maskgate webhooks retry` sends them
 *   once it has one again.
 * - Delivery is at least once: an event is not read again while its request is in flight,
 *   and leaves the queue when its outcome is committed; a crash between the endpoint's 2xx
 *   and that commit sends it again. Receivers de-duplicate by the event id. There is no
 *   order between events.
 * - Delivered events are deleted `keepDeliveredMs` after delivery.
 * - `stop()` starts no request, waits up to STOP_GRACE_MS for those in flight, then aborts
 *   them: they stay due and go at the next start.
 */
import { createHmac } from 'node:crypto';
import PQueue from 'p-queue';
import type { Config } from '../config/schema.js';
import type { Logger } from '../obs/logger.js';
import type { WriteBatcher } from '../store/write-batcher.js';
import type { DueEvent, WebhookOutbox } from './webhook-outbox.js';

/** How long stop() lets requests in flight finish before it aborts them. */
const STOP_GRACE_MS = 2_000;
/** Delivered rows are looked for at most this often (and at least every pollMs). */
const PURGE_EVERY_MS = 60_000;

export type WebhookPolicy = Config['webhooks'];

/** For /metrics: plain counters since start. */
export interface WebhookCounters {
  /** Events an endpoint answered with 2xx. */
  delivered: number;
  /** Attempts that failed (status, timeout, network error). */
  attemptsFailed: number;
  /** Events given up on (retry window over, or no endpoint any more). */
  deadLettered: number;
}

/**
 * The signature headers of a body: X-Maskgate-Timestamp (unix seconds) and
 * X-Maskgate-Signature `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`. The timestamp is
 * signed too, so a receiver that refuses old ones is safe from replays.
 */
export function signWebhook(secret: string, body: string, timestampS: number): Record<string, string> {
  const signature = createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
  return { 'X-Maskgate-Timestamp': String(timestampS), 'X-Maskgate-Signature': `v1=${signature}` };
}

type Attempt = { ok: true } | { ok: false; error: string; aborted?: true };

export class WebhookSender {
  readonly counters: WebhookCounters = { delivered: 0, attemptsFailed: 0, deadLettered: 0 };
  readonly #queue: PQueue;
  readonly #log: Logger;
  /** Event id → account, from the read until its outcome is committed. */
  readonly #inFlight = new Map<string, string>();
  readonly #inFlightOf = new Map<string, number>();
  /** Accounts whose last attempt failed: one slot each until one succeeds. */
  readonly #failing = new Set<string>();
  readonly #stopRequests = new AbortController();
  readonly #now: () => number;
  readonly #random: () => number;
  #timer: NodeJS.Timeout | undefined;
  #pumpSoon = false;
  #stopping: Promise<void> | undefined;
  #lastPurge = 0;
  #turn = 0;

  constructor(
    private readonly o: {
      outbox: Pick<WebhookOutbox, 'dueAccounts' | 'dueOf' | 'delivered' | 'retryLater' | 'dead' | 'purgeDelivered' | 'depth'>;
      /** Where the account's events go now, and the secret that signs them; undefined: nowhere. */
      endpoint: (account: string) => { url: string; secret: string } | undefined;
      writes: Pick<WriteBatcher, 'write'>;
      policy: WebhookPolicy;
      logger: Logger;
      now?: () => number;
      random?: () => number;
    },
  ) {
    this.#queue = new PQueue({ concurrency: o.policy.concurrency });
    this.#log = o.logger.child({ component: 'webhooks' });
    this.#now = o.now ?? Date.now;
    this.#random = o.random ?? Math.random;
  }

  start(): void {
    this.#tick();
  }

  /** Events waiting for delivery: neither delivered nor dead-lettered. */
  depth(): number {
    return this.o.outbox.depth();
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearTimeout(this.#timer);
      const idle = this.#queue.onIdle();
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([idle, new Promise((resolve) => (grace = setTimeout(resolve, STOP_GRACE_MS)))]);
      clearTimeout(grace);
      this.#stopRequests.abort();
      await idle;
    })();
    return this.#stopping;
  }

  #tick(): void {
    if (this.#stopping) return;
    this.#pump();
    this.#purge();
    this.#timer = setTimeout(() => this.#tick(), this.o.policy.pollMs);
    this.#timer.unref();
  }

  /** Another look for due events once the current tick is over (a slot came free). */
  #pumpAgain(): void {
    if (this.#pumpSoon || this.#stopping) return;
    this.#pumpSoon = true;
    setImmediate(() => {
      this.#pumpSoon = false;
      if (!this.#stopping) this.#pump();
    });
  }

  /** Fills the free slots with due events, the accounts taking turns. */
  #pump(): void {
    let free = this.o.policy.concurrency - this.#inFlight.size;
    if (free <= 0) return;
    const now = this.#now();
    try {
      const accounts = this.o.outbox.dueAccounts(now);
      if (accounts.length === 0) return;
      const first = this.#turn++ % accounts.length;
      const skip = new Set(this.#inFlight.keys());
      const lanes = accounts.map((_, i) => {
        const account = accounts[(first + i) % accounts.length]!;
        const room = Math.min(free, this.#slotsFor(account) - (this.#inFlightOf.get(account) ?? 0));
        return room > 0 ? this.o.outbox.dueOf(account, now, room, skip) : [];
      });
      while (free > 0 && lanes.some((lane) => lane.length > 0)) {
        for (const lane of lanes) {
          const event = lane.shift();
          if (event === undefined || free === 0) continue;
          free--;
          this.#send(event);
        }
      }
    } catch (err) {
      this.#log.warn('reading the webhook outbox failed; the next poll tries again', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Deletes events delivered more than keepDeliveredMs ago, once in a while. */
  #purge(): void {
    const { keepDeliveredMs, pollMs } = this.o.policy;
    const now = this.#now();
    if (now - this.#lastPurge < Math.max(pollMs, Math.min(PURGE_EVERY_MS, keepDeliveredMs))) return;
    this.#lastPurge = now;
    this.o.writes
      .write(() => this.o.outbox.purgeDelivered(now - keepDeliveredMs))
      .catch((err: unknown) => this.#log.warn('deleting delivered webhook events failed; the next purge tries again', { error: err instanceof Error ? err.message : String(err) }));
  }

  #slotsFor(account: string): number {
    return this.#failing.has(account) ? 1 : Math.max(1, Math.ceil(this.o.policy.concurrency / 2));
  }

  #send(event: DueEvent): void {
    this.#inFlight.set(event.id, event.account);
    this.#inFlightOf.set(event.account, (this.#inFlightOf.get(event.account) ?? 0) + 1);
    this.#queue
      .add(async () => {
        try {
          await this.#deliver(event);
        } finally {
          this.#inFlight.delete(event.id);
          const left = (this.#inFlightOf.get(event.account) ?? 1) - 1;
          if (left > 0) this.#inFlightOf.set(event.account, left);
          else this.#inFlightOf.delete(event.account);
          this.#pumpAgain();
        }
      })
      .catch((err: unknown) => {
        // No outcome was recorded: the event stays due and is sent again.
        this.#log.warn('a webhook attempt ended without its outcome recorded; the event stays due', { eventId: event.id, error: err instanceof Error ? err.message : String(err) });
      });
  }

  /** One attempt and its recorded outcome. */
  async #deliver(event: DueEvent): Promise<void> {
    const endpoint = this.o.endpoint(event.account);
    if (endpoint === undefined) {
      await this.#deadLetter(event, 'the account has no webhook URL; set one (`maskgate accounts update ID --webhook-url URL`), then `maskgate webhooks retry`');
      return;
    }
    const attempt = await this.#post(endpoint, event);
    if (attempt.ok) {
      this.#failing.delete(event.account);
      const now = this.#now();
      await this.o.writes.write(() => this.o.outbox.delivered(event.id, now));
      this.counters.delivered++;
      return;
    }
    if (attempt.aborted) return; // stopping: still due, sent at the next start
    this.#failing.add(event.account);
    this.counters.attemptsFailed++;
    const now = this.#now();
    const windowEnd = event.retryFrom + this.o.policy.retryWindowMs;
    if (now >= windowEnd) {
      await this.#deadLetter(event, attempt.error);
      return;
    }
    const nextAt = Math.min(now + this.#backoff(event.attempts + 1), windowEnd);
    this.#log.debug('a webhook attempt failed; it is retried', { eventId: event.id, systemId: event.account, attempts: event.attempts + 1, error: attempt.error, retryInMs: nextAt - now });
    await this.o.writes.write(() => this.o.outbox.retryLater(event.id, nextAt, attempt.error));
  }

  async #deadLetter(event: DueEvent, error: string): Promise<void> {
    const now = this.#now();
    await this.o.writes.write(() => this.o.outbox.dead(event.id, now, error));
    this.counters.deadLettered++;
    this.#log.warn('a webhook event was dead-lettered; `maskgate webhooks list --failed` shows it, `maskgate webhooks retry` sends it again', {
      eventId: event.id,
      systemId: event.account,
      event: event.event,
      attempts: event.attempts + 1,
      error,
    });
  }

  /** The delay before attempt n+1 after n failed: exponential, capped, half of it random. */
  #backoff(failures: number): number {
    const { retryBaseMs, retryMaxMs } = this.o.policy;
    const delay = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(failures - 1, 40));
    return Math.round(delay / 2 + this.#random() * (delay / 2));
  }

  async #post(endpoint: { url: string; secret: string }, event: DueEvent): Promise<Attempt> {
    const { timeoutMs } = this.o.policy;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([deadline, this.#stopRequests.signal]);
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'maskgate-webhooks',
          'X-Maskgate-Event-Id': event.id,
          ...signWebhook(endpoint.secret, event.body, Math.floor(this.#now() / 1000)),
        },
        body: event.body,
        redirect: 'manual',
        signal,
      });
      // The answer's body means nothing to us: dropped unread.
      await response.body?.cancel().catch(() => undefined);
      return response.status >= 200 && response.status < 300 ? { ok: true } : { ok: false, error: `HTTP ${response.status}` };
    } catch (err) {
      if (this.#stopRequests.signal.aborted) return { ok: false, error: 'stopped', aborted: true };
      if (deadline.aborted) return { ok: false, error: `no answer within ${timeoutMs} ms (webhooks.timeoutMs)` };
      return { ok: false, error: `request failed: ${networkError(err)}` };
    }
  }
}

/** A fetch failure in a few words: undici puts the socket's error (ECONNREFUSED …) in `cause`. */
function networkError(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
