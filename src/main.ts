/**
 * Wiring, in the order a start needs: configuration → master key → routing store →
 * services (routes, carriers, dispatcher, receipt intake) → listeners (the client side).
 * `stop()` undoes it in reverse: close the client listener, stop taking messages, let the
 * ones in flight settle, unbind from the carriers, commit what waits, close the store.
 * `startGateway` is everything but the listener (tests and benchmarks drive it directly);
 * `startDaemon` adds accounts and the listener.
 */
import type { LoadedConfig } from './config/loader.js';
import type { Logger } from './obs/logger.js';
import { announceSealing } from './store/sealing-handshake.js';
import { readSecret } from './config/secret.js';
import { openRoutingStore } from './store/routing-store.js';
import { walSyncer } from './store/wal-sync.js';
import { MessageStore, type BodyKeys, type MessageStatus } from './messages/message-store.js';
import { Dispatcher } from './messages/dispatcher.js';
import type { NewMessage } from './messages/types.js';
import type { Database } from './store/database.js';
import { carrierTextDefaults } from './config/schema.js';
import { AccountStore } from './accounts/account-store.js';
import { StoredAccountDirectory } from './accounts/account-directory.js';
import { BindLockout, DEFAULT_LOCKOUT } from './accounts/lockout.js';
import { startClientListener, type ClientListener } from './upstream/client-listener.js';
import { ReceiptForwarder } from './upstream/receipt-forwarder.js';
import { RouteTable } from './routing/route-table.js';
import { parseDestination } from './routing/destination.js';
import { CarrierManager } from './carriers/carrier-manager.js';
import { carrierIdKey } from './carriers/receipt-parser.js';
import { deliverIntake, type DeliverCounters } from './carriers/deliver-intake.js';
import { MoInbox } from './messages/mo-inbox.js';
import { MoParts } from './messages/mo-parts.js';
import { MoReassembly } from './carriers/mo-reassembly.js';
import { MoForwarder } from './upstream/mo-forwarder.js';
import { GatewayError } from './errors.js';
import { openContactStore } from './store/contact-store.js';
import { LeaseBook } from './numbers/leases.js';
import { RelayBook } from './numbers/relays.js';
import { MoRouter } from './numbers/mo-router.js';
import { MoRecipients } from './messages/mo-recipients.js';
import { NumberSweeper, type EndedHolders } from './numbers/number-sweeper.js';
import { WebhookSettings } from './accounts/webhook-settings.js';
import { WebhookOutbox } from './api/webhook-outbox.js';
import { WebhookEvents } from './api/webhook-events.js';
import { WebhookSender } from './api/webhook-sender.js';
import { AbuseGuard } from './numbers/abuse-guard.js';
import { NumberPool } from './numbers/number-pool.js';
import { HeldMo } from './messages/held-mo.js';
import { HeldReleaser } from './messages/held-releaser.js';
import type { MessageContent } from './messages/types.js';
import { AuditLog, type AuditEntry } from './obs/audit.js';
import { ContentRules } from './accounts/content-rules.js';
import { ContentGuard } from './accounts/content-guard.js';
import { submitText } from './upstream/submit-text.js';
import { Retention } from './store/retention.js';
import { RetentionSchedule } from './store/retention-schedule.js';
import { GatewayMetrics } from './obs/metrics.js';
import { statusLabel } from './smpp/status.js';
import { SubmitTally } from './accounts/submit-tally.js';
import { startHttpApi, type HttpApi } from './api/http-api.js';
import { apiServices } from './api/daemon-api-services.js';
import { auditConfigLoad } from './obs/config-audit.js';
import { StatusPublisher } from './obs/status-snapshot.js';
import { BindAudit } from './upstream/bind-audit.js';

/** Validity of a message whose client gave none: what carriers commonly default to. */
const DEFAULT_VALIDITY_MS = 48 * 3600_000;
/** How long a receipt that matches nothing is kept, waiting for its submit_sm_resp. */
const EARLY_RECEIPT_HOLD_MS = 10 * 60_000;
/** Writes that may wait for a commit before new ones are refused (queue full). */
const MAX_PENDING_WRITES = 50_000;
/** How long SIGTERM waits for carriers to answer what is in flight before unbinding. */
const DRAIN_DEADLINE_MS = 10_000;

export interface Gateway {
  /**
   * Accepts a message; resolves with our message id once it is durable. Content rules apply
   * here (CONTENT_BLOCKED, or stored held); `actor` is who submitted it, for their audit
   * rows: `smpp:<system_id>` unless given (the HTTP API gives `api:<token id>`).
   */
  enqueue(message: NewMessage, actor?: string): Promise<string>;
  status(id: string): MessageStatus | undefined;
  readonly store: MessageStore;
  readonly carriers: CarrierManager;
  readonly dispatcher: Dispatcher;
  /** MO from carriers waiting for their account's client. */
  readonly mo: MoInbox;
  /** What carriers' deliver_sm (receipts and MO) came to. */
  readonly delivers: DeliverCounters;
  /** Long MO: their parts held until whole, then joined (counters). */
  readonly moReassembly: MoReassembly;
  /** Leases of pool numbers (temporary numbers). */
  readonly leases: LeaseBook;
  /** Masks and proxy sessions. */
  readonly relays: RelayBook;
  /** Ends leases, masks and sessions past their TTL; counts how late. */
  readonly numberSweeper: NumberSweeper;
  /** Abuse controls on pool numbers (counters). */
  readonly abuse: AbuseGuard;
  /** The webhook outbox's sender: counters, and the events waiting for delivery. */
  readonly webhooks: Pick<WebhookSender, 'counters' | 'depth'>;
  /**
   * Where MO go: pool numbers by their leases, masks and sessions, other numbers by the
   * account owning their prefix. Until this is called, carriers' MO are answered "try later".
   */
  routeMo(prefixOwner: (destination: string) => string | undefined): void;
  /** The routing store's connection, for the services that share it (accounts). */
  readonly db: Database;
  /** The hash-chained audit trail, on the daemon's connection (actor `daemon` or the one acting). */
  readonly audit: AuditLog;
  /** Prometheus metrics: the gateway's series; the daemon attaches the client side's. */
  readonly metrics: GatewayMetrics;
  /** The routing-bodies keys, for services that seal their own records (API tokens' TOTP secrets). */
  readonly bodyKeys: BodyKeys;
  /** The pool of virtual numbers (read-outs). */
  readonly pool: NumberPool;
  /** Resolves once every commit made so far is on disk (the connection defers fsync). */
  sync(): Promise<void>;
  /** Content rules' verdicts per rule and account (for /metrics). */
  readonly content: Pick<ContentGuard, 'counts'>;
  /** Retention passes (`retention.intervalMs`); `runNow` runs one at once. */
  readonly retention: Pick<RetentionSchedule, 'runNow'>;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  /** Tuning for tests and benchmarks; production uses the defaults above. */
  retry?: { baseMs: number; maxMs: number; throttleMs: number };
  breaker?: { failureThreshold: number; openMs: number };
  idlePollMs?: number;
}

export async function startGateway(config: LoadedConfig, logger: Logger, options: GatewayOptions = {}): Promise<Gateway> {
  // Commits are fsynced off the event loop (store/wal-sync.ts), before anyone is answered.
  const { db, keyRing, moPartsKey, auditKey, createdKeyFile } = openRoutingStore(config, { syncOffLoop: true });
  // The double list's second half: a wrong key stops the start here (KEY_MISMATCH).
  let contactStore: ReturnType<typeof openContactStore>;
  try {
    contactStore = openContactStore(config, keyRing);
  } catch (err) {
    db.close();
    throw err;
  }
  const wal = walSyncer(db);
  if (createdKeyFile) logger.warn('created a new master key (keys.createIfMissing): back it up, the stores are unreadable without it', { file: createdKeyFile });
  // Its `current` is read at each seal: after `keys rotate` adds a key, the next record uses it.
  const keys: BodyKeys = keyRing.keysFor('routing-bodies');
  const audit = new AuditLog(db, auditKey);
  const auditOrLog = (entry: AuditEntry) => {
    try {
      audit.record(entry);
    } catch (err) {
      logger.error('an audit row could not be written', { action: entry.action, error: err instanceof Error ? err.message : String(err) });
    }
  };
  // Content rules: every submit, SMPP or HTTP, passes them in enqueue below.
  const content = new ContentGuard({ rules: new ContentRules(config.contentRules), textOf: submitText, audit: auditOrLog });
  // Webhooks: each event joins the outbox in the commit of what caused it (api/webhook-events.ts).
  const webhookSettings = new WebhookSettings(db, keys);
  const outbox = new WebhookOutbox(db, keys);
  const webhookEvents = new WebhookEvents({
    db,
    outbox,
    settings: webhookSettings,
    leg: (id) => relays.leg(id),
    isAlias: (address) => relays.isAlias(address),
    textOf: (carrier) => config.carriers.find((c) => c.name === carrier) ?? carrierTextDefaults,
    logger,
  });
  const metrics = new GatewayMetrics();
  const store = new MessageStore({
    db,
    keys,
    batch: {
      maxBatch: config.stores.groupCommit.maxBatch,
      maxDelayMs: config.stores.groupCommit.maxDelayMs,
      maxPending: MAX_PENDING_WRITES,
      sync: wal.sync,
      onCommit: (_ops, ms) => metrics.committed(ms),
    },
    defaultValidityMs: DEFAULT_VALIDITY_MS,
    onFinal: (final) => webhookEvents.dlr(final),
  });
  const recovered = store.recoverInFlight();
  if (recovered > 0) logger.warn('messages in flight at the last stop are queued again (at-least-once)', { count: recovered });
  // keys rotate: follow the key file, and tell the CLI once everything sealed under an old version is committed.
  keyRing.watch(logger);
  const sealing = announceSealing({ ring: keyRing, stores: [{ db, write: (op) => store.writes.write(op) }, { db: contactStore.db }], logger });

  const dlrIdFormat = new Map(config.carriers.map((c) => [c.name, c.dlrIdFormat] as const));
  const formatOf = (carrier: string) => dlrIdFormat.get(carrier) ?? 'hex';
  const routes = new RouteTable(config.routes);
  const carriers = new CarrierManager(config, logger);
  const mo = new MoInbox({ db, keys, writes: store.writes, onInsert: (inserted) => webhookEvents.mo(inserted) });
  const leases = new LeaseBook(db, config.numbers.leases);
  const relays = new RelayBook({ db, contacts: contactStore.contacts, policy: config.numbers.relays, cooldownMs: config.numbers.leases.cooldownMs });
  let wakeDispatcher = () => {};
  const recipients = new MoRecipients({ inbox: mo, store, accountOfLeg: (leg) => relays.leg(leg)?.account, relayed: () => wakeDispatcher(), onRelay: (relay) => webhookEvents.relayed(relay) });
  const moParts = new MoParts({ db, keys, groupKey: moPartsKey, writes: store.writes, inbox: recipients });
  const carrierText = new Map(config.carriers.map((c) => [c.name, c] as const));
  const moReassembly = new MoReassembly({
    inbox: recipients,
    parts: moParts,
    textOf: (carrier) => carrierText.get(carrier) ?? carrierTextDefaults,
    policy: config.moReassembly,
    logger,
  });
  let moRouter: MoRouter | undefined;
  const delivers: DeliverCounters = { matched: 0, held: 0, mo: 0, moUnowned: 0, relayed: 0, moHeld: 0, failed: 0 };
  const heldMo = new HeldMo({ db, keys });
  const held = { hold: (recipient: string, carrier: string, content: MessageContent, reason: string) => heldMo.hold(store.writes, recipient, carrier, content, reason) };
  carriers.onDeliver(deliverIntake({ store, mo: moReassembly, held, moRouter: () => moRouter, dlrIdFormat: formatOf, logger, counters: delivers }));

  const carrierNames = new Set(config.carriers.map((c) => c.name));
  const hostedBy = db.prepare<[string], string>('SELECT carrier FROM numbers WHERE e164 = ?').pluck();
  const hostingCarrier = (number: string) => {
    const carrier = hostedBy.get(number);
    return carrier !== undefined && carrierNames.has(carrier) ? carrier : undefined;
  };
  const totalWindow = config.carriers.reduce((n, c) => n + c.binds * c.window, 0);
  const dispatcher = new Dispatcher({
    store,
    carriers,
    carrierNames: config.carriers.map((c) => c.name),
    routes,
    relays: { resolve: (legId) => relayAddress(relays, legId) },
    hostingCarrier,
    carrierKey: (carrier, id) => carrierIdKey(id, 'resp', formatOf(carrier)),
    logger,
    // Twice the carriers' windows: enough to keep every window full while others settle.
    maxInFlight: Math.max(16, 2 * totalWindow),
    idlePollMs: options.idlePollMs ?? 200,
    retry: options.retry ?? { baseMs: 1_000, maxMs: 60_000, throttleMs: 250 },
    breaker: options.breaker ?? { failureThreshold: 5, openMs: 10_000 },
  });

  wakeDispatcher = () => dispatcher.wake();
  const numberSweeper = new NumberSweeper({
    leases,
    relays,
    intervalMs: config.numbers.leases.sweepIntervalMs,
    logger,
    // In the transaction that ends them: the events and audit rows commit with the ends.
    onEnded: (ended) => {
      webhookEvents.expired(ended);
      auditExpiries(audit, ended);
    },
  });
  const abuse = new AbuseGuard(config.numbers.abuse);
  const pool = new NumberPool(db);
  const quarantine = (number: string) => {
    try {
      pool.change(number, 'quarantine');
      audit.record({ actor: 'daemon', action: 'number.quarantine', subject: number, detail: { state: 'quarantined', reason: 'numbers.abuse.distinctSenders' } });
      logger.warn('a pool number heard from too many distinct senders and was quarantined (numbers.abuse.distinctSenders); `maskgate numbers release-quarantine` makes it available again', { poolNumber: number });
    } catch (err) {
      logger.warn('a pool number tripped the distinct-senders threshold but could not be quarantined', { error: err instanceof Error ? err.message : String(err) });
    }
  };
  const heldReleaser = new HeldReleaser({ held: heldMo, writes: store.writes, take: (recipient, carrier, content) => moReassembly.take(recipient, carrier, content), intervalMs: config.numbers.abuse.releasePollMs, logger });

  store.events.on('final', (_id, state, _account, sinceSubmitMs) => metrics.final(state, sinceSubmitMs));
  metrics.attach({ carriers: () => carriers.status(), statusName: statusLabel, pools: () => pool.availability(), sweep: numberSweeper.counters, abuse: abuse.counters, delivers });

  carriers.start();
  dispatcher.start();
  numberSweeper.start();
  heldReleaser.start();
  const retention = new RetentionSchedule({
    retention: new Retention({ db, contactsDb: contactStore.db, contacts: contactStore.contacts, policy: config.retention }),
    intervalMs: config.retention.intervalMs,
    audit: auditOrLog,
    logger,
  });
  if (config.retention.enabled) retention.start();
  // The content rules' audit rows for verdicts a busy minute only counted.
  const contentAuditFlush = setInterval(() => content.flush(), 60_000);
  contentAuditFlush.unref();
  const webhookSender = new WebhookSender({ outbox, endpoint: (account) => webhookSettings.endpoint(account), writes: store.writes, policy: config.webhooks, logger });
  webhookSender.start();
  metrics.attach({ webhooks: webhookSender, content });
  const sweeper = setInterval(() => {
    store.sweepEarlyReceipts(Date.now() - EARLY_RECEIPT_HOLD_MS).then(
      (dropped) => {
        if (dropped > 0) logger.warn('receipts matched no message within the hold window and were dropped', { count: dropped });
      },
      () => undefined, // the store is closing
    );
  }, 60_000);
  sweeper.unref();
  // A quarter of the timeout (at most a minute): a message waits at most 1.25 timeouts.
  const moSweepMs = Math.min(60_000, Math.max(10, Math.ceil(config.moReassembly.timeoutMs / 4)));
  const moSweeper = setInterval(() => {
    moReassembly.sweep().catch((err: unknown) => {
      if (!stopping) logger.warn('ending overdue MO parts failed; the next sweep tries again', { error: err instanceof Error ? err.message : String(err) });
    });
  }, moSweepMs);
  moSweeper.unref();

  let stopping: Promise<void> | undefined; // stop() may be called more than once
  logger.info('gateway started', { carriers: config.carriers.length, routes: config.routes.length, queued: store.queuedCount });
  return {
    async enqueue(original, actor = `smpp:${original.account}`) {
      let message = original;
      const alias = message.content.destinationAddr;
      if (relays.isAlias(alias)) {
        const leg = relays.legByAlias(message.account, alias);
        // The same answer for "ended", "expired" and "another account's": none of them is yours.
        if (!leg) throw new GatewayError('BAD_DESTINATION', 'destination_addr has the form of a mask alias, but no active mask or session party of this account has it');
        message = { ...message, relayLeg: leg.id };
      }
      refuseUnleasedPoolSource(message, hostedBy, leases);
      const heldRule = content.check(message, actor); // CONTENT_BLOCKED throws here
      if (heldRule !== undefined) message = { ...message, heldRule };
      const country = parseDestination(message.content.destinationAddr, message.content.destTon).country;
      const id = await store.enqueue(message, country);
      if (heldRule === undefined) dispatcher.wake();
      else content.held(message.account, heldRule, id, actor);
      return id;
    },
    status: (id) => store.status(id),
    store,
    carriers,
    dispatcher,
    mo,
    delivers,
    moReassembly,
    leases,
    relays,
    numberSweeper,
    abuse,
    webhooks: webhookSender,
    routeMo(prefixOwner) {
      moRouter = new MoRouter({ db, leases, relays, prefixOwner, guard: abuse, quarantine });
    },
    db,
    audit,
    metrics,
    bodyKeys: keys,
    pool,
    sync: () => wal.sync(),
    content,
    retention,
    stop() {
      stopping ??= (async () => {
        clearInterval(sweeper);
        clearInterval(moSweeper);
        clearInterval(contentAuditFlush);
        content.flush(Number.POSITIVE_INFINITY); // what the last minute only counted
        numberSweeper.stop();
        await retention.stop(); // a pass under way ends at its next batch
        await heldReleaser.stop();
        await webhookSender.stop(); // before the store closes: outcomes of requests in flight are recorded
        await dispatcher.stop();
        await carriers.drain(DRAIN_DEADLINE_MS);
        sealing.stop(); // before the store closes: its last write is the announcement's removal
        keyRing.stop();
        store.close();
        const queued = store.queuedCount;
        await wal.close(); // the last batches are on disk, and their callers answered
        db.close();
        contactStore.db.close();
        logger.info('gateway stopped', { queuedOnDisk: queued });
      })();
      return stopping;
    },
  };
}

export interface Daemon {
  gateway: Gateway;
  listener: ClientListener;
  accounts: AccountStore;
  receipts: ReceiptForwarder;
  mo: MoForwarder;
  /** The HTTP API, when `http.enabled`. */
  http: HttpApi | undefined;
  stop(): Promise<void>;
}

/** The whole daemon: the gateway, the accounts, and the SMPP listener for clients. */
export async function startDaemon(config: LoadedConfig, logger: Logger): Promise<Daemon> {
  const gateway = await startGateway(config, logger);
  try {
    const accounts = new AccountStore(gateway.db, config.accountDefaults);
    for (const seed of config.accountSeeds) {
      if (accounts.get(seed.systemId)) continue; // a seed never changes an existing account
      await accounts.add(seed.systemId, readSecret(seed, `accountSeeds ${seed.systemId} password`, config.configDir), { moPrefixes: [...seed.moPrefixes] });
      logger.info('account created from accountSeeds', { systemId: seed.systemId });
    }
    auditConfigLoad(gateway.audit, config);
    const directory = new StoredAccountDirectory(accounts, new BindLockout(DEFAULT_LOCKOUT));
    const tally = new SubmitTally();
    // Reads the listener's sessions only once started (below), when the listener exists.
    const status = daemonStatus(gateway, () => listener.sessions.size, tally, logger);
    const binds = new BindAudit({ audit: gateway.audit, logger, onRefused: (facts, refusal) => status.noteError({ kind: 'bind.refused', code: statusLabel(refusal.status), account: facts.systemId }) });
    const listener = await startClientListener({ config, gateway, directory, tally, binds, logger });
    gateway.metrics.attach({ submits: () => tally.entries(), queued: () => listener.admission.queuedEntries() });
    const forwarding = { listener, directory, windowSize: config.smpp.windowSize, retentionMs: config.accountDefaults.dlrRetentionMs, logger };
    const receipts = new ReceiptForwarder({ ...forwarding, store: gateway.store });
    const mo = new MoForwarder({ ...forwarding, inbox: gateway.mo });
    receipts.start();
    mo.start();
    gateway.routeMo((destination) => accounts.moOwner(destination));
    let stopping: Promise<void> | undefined;
    let http: HttpApi | undefined;
    try {
      if (config.http.enabled) http = await startHttpApi(config, apiServices(config, gateway, accounts, listener, () => stopping === undefined), logger);
    } catch (err) {
      await Promise.all([receipts.stop(), mo.stop()]);
      await listener.close();
      throw err;
    }
    status.start();
    return {
      gateway,
      listener,
      accounts,
      receipts,
      mo,
      http,
      stop() {
        stopping ??= (async () => {
          await http?.close(); // API requests in flight finish; no new ones
          // Before the listener: what is in flight gets its answers.
          await Promise.all([receipts.stop(), mo.stop()]);
          await listener.close(); // no new submits while the gateway drains
          status.stop(); // the last snapshot, marked stopped, while the store is open
          await gateway.stop();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await gateway.stop();
    throw err;
  }
}

/** `maskgate status`'s snapshot (obs/status-snapshot.ts), from what the gateway and the listener count. */
function daemonStatus(gateway: Gateway, clientSessions: () => number, tally: SubmitTally, logger: Logger): StatusPublisher {
  const status = new StatusPublisher({
    db: gateway.db,
    logger,
    sources: {
      carriers: () => gateway.carriers.status(),
      statusName: statusLabel,
      sent: () => gateway.dispatcher.counters.accepted,
      submits: () => tally.entries(),
      clientSessions,
      webhooks: gateway.webhooks,
    },
  });
  gateway.store.events.on('final', (_id, state, account) => {
    if (state !== 'DELIVERED') status.noteError({ kind: 'message.final', code: state, account });
  });
  return status;
}

/** Every holder the sweeper ended by TTL, in the audit trail (pool numbers are ours; no party's number). */
function auditExpiries(audit: AuditLog, ended: EndedHolders): void {
  for (const lease of ended.leases) audit.record({ actor: 'daemon', action: 'lease.expired', subject: lease.id, detail: { account: lease.account, poolNumber: lease.number } });
  for (const mask of ended.masks) audit.record({ actor: 'daemon', action: 'mask.expired', subject: mask.id, detail: { account: mask.account, poolNumber: mask.number } });
  for (const session of ended.sessions) {
    audit.record({ actor: 'daemon', action: 'session.expired', subject: session.id, detail: { account: session.account, poolNumber: session.parties.map((p) => p.number).join(',') } });
  }
}

/** A masked message's addresses: its leg's pool number and real number. */
function relayAddress(relays: RelayBook, legId: string): { from: string; to: string } | undefined {
  const leg = relays.leg(legId);
  return leg && relays.addressOf(leg);
}

/**
 * A pool number as source_addr is refused unless the account leases it: pool numbers speak
 * for their holder (a mask's and a session's are used through aliases), and a sender that
 * could borrow them would reach a masked party, or a lessee's correspondents, as someone else.
 */
function refuseUnleasedPoolSource(message: NewMessage, hostedBy: { get(number: string): string | undefined }, leases: LeaseBook): void {
  const { sourceAddr, sourceTon } = message.content;
  if (sourceTon === 5 || !/^\+?\d{1,15}$/.test(sourceAddr)) return;
  const number = `+${sourceAddr.replace(/^\+/, '')}`;
  if (hostedBy.get(number) === undefined) return;
  if (leases.activeOn(number)?.account === message.account) return;
  throw new GatewayError('BAD_SOURCE', 'source_addr is one of our pool numbers, and this account holds no lease on it now');
}
