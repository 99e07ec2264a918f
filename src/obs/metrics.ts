/**
 * Prometheus metrics (prom-client), served by the HTTP API at /metrics.
 *
 * Most series are read at scrape time from counters the services keep anyway (carrier
 * links, the submit tally, the sweeper, the abuse guard, the webhook outbox, ...), so the
 * message path pays nothing for them; only the latency histograms are observed as things
 * happen. A source is attached when the service that owns it starts (`attach`): a series
 * whose source is absent is simply not exported.
 *
 * Labels are carrier names, account system_ids, pool countries, states and status names:
 * never a phone number or message text (the privacy test scans the exposition).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AbuseCounters } from '../numbers/abuse-guard.js';
import type { PoolAvailability } from '../numbers/number-pool.js';
import type { SweepCounters } from '../numbers/number-sweeper.js';

/** What a carrier link reports (carriers/carrier-link.ts CarrierStatus, structurally). */
export interface CarrierReading {
  name: string;
  rate: number;
  configuredRate: number;
  queued: number;
  inFlight: number;
  binds: { state: string; inFlight: number }[];
  counters: { submits: number; responses: Map<number, number>; throttles: number; timeouts: number };
}

export interface MetricSources {
  carriers: () => CarrierReading[];
  statusName: (status: number) => string;
  submits: () => { account: string; outcome: string; n: number }[];
  queued: () => { account: string; n: number }[];
  pools: () => PoolAvailability[];
  sweep: SweepCounters;
  abuse: AbuseCounters;
  delivers: { matched: number; mo: number; moUnowned: number; relayed: number; moHeld: number };
  webhooks: { counters: { delivered: number; attemptsFailed: number; deadLettered: number }; depth(): number };
  content: { counts(): { rule: string; account: string; action: string; n: number }[] };
}

type Sources = Partial<MetricSources>;

/** Seconds: from a few ms (an SMSC next door) to hours (a phone switched off). */
const DELIVERY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 6 * 3600];
/** Seconds: a lease is one IMMEDIATE transaction and an fsync. */
const PROVISIONING_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** Seconds: a group commit, including its fsync. */
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #sources: Sources = {};
  readonly #delivery: Histogram<'state'>;
  readonly #provisioning: Histogram<'kind'>;
  readonly #commits: Histogram;
  readonly #dlrs: Counter<'state'>;

  constructor() {
    const registry = this.registry;
    collectDefaultMetrics({ register: registry, prefix: 'maskgate_process_' });
    this.#delivery = new Histogram({ name: 'maskgate_delivery_latency_seconds', help: 'Submit accepted to final state, by final state', labelNames: ['state'], buckets: DELIVERY_BUCKETS, registers: [registry] });
    this.#provisioning = new Histogram({ name: 'maskgate_provisioning_latency_seconds', help: 'Lease, mask and session requests through the API, to their durable answer', labelNames: ['kind'], buckets: PROVISIONING_BUCKETS, registers: [registry] });
    this.#commits = new Histogram({ name: 'maskgate_store_commit_seconds', help: 'Routing store group commits (fsync included)', buckets: COMMIT_BUCKETS, registers: [registry] });
    this.#dlrs = new Counter({ name: 'maskgate_dlr_outcomes_total', help: 'Messages that reached a final state, by state', labelNames: ['state'], registers: [registry] });
    this.#defineReadings();
  }

  attach(sources: Sources): void {
    Object.assign(this.#sources, sources);
  }

  /** A message reached its final state `sinceSubmitMs` after it was accepted. */
  final(state: string, sinceSubmitMs: number): void {
    this.#dlrs.inc({ state });
    this.#delivery.observe({ state }, Math.max(0, sinceSubmitMs) / 1000);
  }

  provisioned(kind: 'lease' | 'mask' | 'session', seconds: number): void {
    this.#provisioning.observe({ kind }, seconds);
  }

  committed(ms: number): void {
    this.#commits.observe(ms / 1000);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** The series read from the services at scrape time. */
  #defineReadings(): void {
    const registers = [this.registry];
    const s = this.#sources;
    // Read at scrape time: a gauge is set to the value; a counter, read from a running total,
    // is reset and increased to it (prom-client has no set on counters).
    type Rows<L extends string> = { labels: Record<L, string>; n: number }[] | undefined;
    const reading = <L extends string>(kind: 'counter' | 'gauge', name: string, help: string, labelNames: readonly L[], read: () => Rows<L>) => {
      const config = {
        name,
        help,
        labelNames,
        registers,
        collect(this: Counter<L> | Gauge<L>) {
          const rows = read();
          if (!rows) return;
          this.reset();
          for (const r of rows) {
            if (this instanceof Gauge) this.set(r.labels as never, r.n);
            else this.inc(r.labels as never, r.n);
          }
        },
      };
      return kind === 'counter' ? new Counter<L>(config) : new Gauge<L>(config);
    };
    const total = <L extends string>(name: string, help: string, labelNames: readonly L[], read: () => Rows<L>) => reading('counter', name, help, labelNames, read);
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], read: () => Rows<L>) => reading('gauge', name, help, labelNames, read);
    const none = {} as Record<never, string>;

    // Carriers
    const carriers = () => s.carriers?.();
    gauge('maskgate_carrier_binds_up', 'Carrier binds bound now', ['carrier'], () => carriers()?.map((c) => ({ labels: { carrier: c.name }, n: c.binds.filter((b) => b.state === 'bound').length })));
    gauge('maskgate_carrier_binds', 'Carrier binds configured', ['carrier'], () => carriers()?.map((c) => ({ labels: { carrier: c.name }, n: c.binds.length })));
    gauge('maskgate_carrier_window_in_use', 'Submits awaiting their response, over all binds of the carrier', ['carrier'], () => carriers()?.map((c) => ({ labels: { carrier: c.name }, n: c.inFlight })));
    gauge('maskgate_carrier_lane_queued', 'Submits waiting for their turn to leave', ['carrier'], () => carriers()?.map((c) => ({ labels: { carrier: c.name }, n: c.queued })));
    gauge('maskgate_carrier_pace_msg_per_second', 'Pace now (below the configured rate while throttled)', ['carrier'], () => carriers()?.map((c) => ({ labels: { carrier: c.name }, n: c.rate })));
    gauge('maskgate_carrier_configured_msg_per_second', 'Configured throughput', ['carrier'], () => carriers()?.map((c) => ({ labels: { carrier: c.name }, n: c.configuredRate })));
    total('maskgate_carrier_submits_total', 'submit_sm sent (each part of a long message)', ['carrier'], () => carriers()?.map((c) => ({ labels: { carrier: c.name }, n: c.counters.submits })));
    total('maskgate_carrier_responses_total', 'submit_sm_resp received, by command_status', ['carrier', 'status'], () =>
      carriers()?.flatMap((c) => [...c.counters.responses].map(([status, n]) => ({ labels: { carrier: c.name, status: s.statusName?.(status) ?? String(status) }, n }))),
    );
    total('maskgate_carrier_throttles_total', 'Responses that slowed the pace (0x58, 0x14)', ['carrier'], () => carriers()?.map((c) => ({ labels: { carrier: c.name }, n: c.counters.throttles })));
    total('maskgate_carrier_timeouts_total', 'Submits without a response in time', ['carrier'], () => carriers()?.map((c) => ({ labels: { carrier: c.name }, n: c.counters.timeouts })));

    // Accounts
    total('maskgate_account_submits_total', 'Submits by outcome: accepted, or the error code refusing them', ['account', 'outcome'], () => s.submits?.().map((r) => ({ labels: { account: r.account, outcome: r.outcome }, n: r.n })));
    gauge('maskgate_account_queued', 'Messages accepted and not final yet', ['account'], () => s.queued?.().map((r) => ({ labels: { account: r.account }, n: r.n })));

    // Inbound
    total('maskgate_inbound_total', 'Carrier deliver_sm by kind', ['kind'], () =>
      s.delivers && [
        { labels: { kind: 'receipt' }, n: s.delivers.matched },
        { labels: { kind: 'mo' }, n: s.delivers.mo },
        { labels: { kind: 'mo_unowned' }, n: s.delivers.moUnowned },
        { labels: { kind: 'relayed' }, n: s.delivers.relayed },
        { labels: { kind: 'mo_held' }, n: s.delivers.moHeld },
      ],
    );

    // Numbers
    gauge('maskgate_pool_numbers', 'Pool numbers per pool (country, hosting carrier) by state', ['country', 'carrier', 'state'], () =>
      s.pools?.().flatMap((p) => Object.entries(p.byState).map(([state, n]) => ({ labels: { country: p.country, carrier: p.carrier, state }, n }))),
    );
    total('maskgate_ttl_violations_total', 'Leases, masks and sessions ended more than one sweep interval after their TTL', [], () => s.sweep && [{ labels: none, n: s.sweep.ttlViolations }]);
    total('maskgate_holders_ended_total', 'Leases and relay legs ended by the sweeper', ['kind'], () =>
      s.sweep && [
        { labels: { kind: 'lease' }, n: s.sweep.leasesEnded },
        { labels: { kind: 'leg' }, n: s.sweep.legsEnded },
      ],
    );
    total('maskgate_abuse_blocks_total', 'Abuse controls that acted: MO over a number\'s rate, numbers quarantined, MO held from watched senders', ['kind'], () =>
      s.abuse && [
        { labels: { kind: 'throttled' }, n: s.abuse.throttled },
        { labels: { kind: 'quarantined' }, n: s.abuse.quarantined },
        { labels: { kind: 'held' }, n: s.abuse.held },
      ],
    );
    total('maskgate_content_rule_hits_total', 'Submits a content rule blocked or held', ['rule', 'account', 'action'], () => s.content?.counts().map((r) => ({ labels: { rule: r.rule, account: r.account, action: r.action }, n: r.n })));

    // Webhooks
    gauge('maskgate_webhook_outbox_depth', 'Webhook events waiting for delivery (not dead-lettered)', [], () => s.webhooks && [{ labels: none, n: s.webhooks.depth() }]);
    total('maskgate_webhook_deliveries_total', 'Webhook delivery attempts by result', ['result'], () =>
      s.webhooks && [
        { labels: { result: 'delivered' }, n: s.webhooks.counters.delivered },
        { labels: { result: 'failed' }, n: s.webhooks.counters.attemptsFailed },
      ],
    );
    total('maskgate_webhook_dead_lettered_total', 'Webhook events that ran out of retries', [], () => s.webhooks && [{ labels: none, n: s.webhooks.counters.deadLettered }]);
  }
}
