/**
 * The SMPP listeners clients bind to: TCP always, TLS when `smpp.tls` is configured. Every
 * connection gets the session limits of `config.smpp` (a connection that never binds is
 * closed at bindTimeoutMs, a silent one at idleTimeoutMs) and the handlers of
 * client-session.ts. The services they share live here: the registry of live binds, the
 * per-account rate limiter and queue counter.
 */
import { EventEmitter } from 'node:events';
import type { AccountDirectory } from '../accounts/types.js';
import type { LoadedConfig } from '../config/loader.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../obs/logger.js';
import { SmppServer, type ServerTlsOptions } from '../smpp/server.js';
import type { SmppSession } from '../smpp/session.js';
import { BindRegistry } from './bind-steps.js';
import { attachClientSession, type ClientGateway, type ClientServices, type ClientSessionHandle } from './client-session.js';
import { QueueTracker } from './queue-tracker.js';
import { SubmitAdmission } from './submit-admission.js';
import { RateLimiter } from '../accounts/rate-limiter.js';
import { readPemFile } from '../config/pem-file.js';
import { SubmitTally } from '../accounts/submit-tally.js';
import type { BindAudit } from './bind-audit.js';

/**
 * How long a stop waits for clients to be answered and unbound. Submits wait for a commit
 * (milliseconds); an unbind_resp for one round trip. A client slower than this is dropped.
 */
const CLOSE_DEADLINE_MS = 5_000;

export interface ClientListenerOptions {
  config: LoadedConfig;
  gateway: ClientGateway;
  directory: AccountDirectory;
  /** Submit outcomes per account, shared with the HTTP API and /metrics (default: a tally of its own). */
  tally?: SubmitTally;
  /** Records binds accepted and refused (the daemon's audit trail). */
  binds?: BindAudit;
  logger: Logger;
}

export interface ClientListener {
  port: number;
  /** Present when smpp.tls is configured. */
  tlsPort?: number;
  /** Every open client session, on either listener (a snapshot). */
  readonly sessions: ReadonlySet<SmppSession>;
  /** The live binds per account (receiver-capable sessions are where receipts go). */
  readonly registry: BindRegistry<SmppSession>;
  /** 'receiverBound' (systemId): a receiver or transceiver bind joined the registry (receipts may flow). */
  readonly events: EventEmitter<{ receiverBound: [systemId: string] }>;
  /** The accounts' throughput and queue limits: the HTTP API's submits count against the same ones. */
  readonly admission: SubmitAdmission;
  /** Stops accepting, answers what each client sent, unbinds it (dropped past a deadline). */
  close(): Promise<void>;
}

function readTls(config: LoadedConfig): ServerTlsOptions | undefined {
  const tls = config.smpp.tls;
  if (!tls) return undefined;
  const read = (what: string, file: string) => readPemFile(config, `smpp.tls.${what}`, file);
  const clientCa = tls.caFile !== undefined ? read('caFile', tls.caFile) : undefined;
  return { cert: read('certFile', tls.certFile), key: read('keyFile', tls.keyFile), clientCa };
}

export async function startClientListener(opts: ClientListenerOptions): Promise<ClientListener> {
  const { config, logger } = opts;
  const smpp = config.smpp;
  const tls = readTls(config);
  const queue = new QueueTracker(opts.gateway.store.events);
  const services: ClientServices = {
    gateway: opts.gateway,
    directory: opts.directory,
    registry: new BindRegistry<SmppSession>(),
    admission: new SubmitAdmission({ limiter: new RateLimiter(), queue, tally: opts.tally ?? new SubmitTally(), now: Date.now }),
    ...(opts.binds ? { binds: opts.binds } : {}),
    maxPendingPerSession: smpp.windowSize,
    limits: { maxMessagePayloadOctets: smpp.maxMessagePayloadOctets },
    now: Date.now,
  };
  const session = {
    windowSize: smpp.windowSize,
    responseTimeoutMs: smpp.responseTimeoutMs,
    maxPduBytes: smpp.maxPduBytes,
    bindTimeoutMs: smpp.bindTimeoutMs,
    idleTimeoutMs: smpp.idleTimeoutMs,
    enquireLinkIntervalMs: smpp.enquireLinkIntervalMs,
  };
  const events = new EventEmitter<{ receiverBound: [systemId: string] }>();
  const handles = new Map<SmppSession, ClientSessionHandle>();
  const onSession = (s: SmppSession) => {
    handles.set(s, attachClientSession(s, services));
    s.once('close', () => handles.delete(s));
    // The registry holds the session before acceptBind moves it to bound: a listener finds it there.
    s.on('state', (to) => {
      if ((to === 'bound_rx' || to === 'bound_trx') && s.systemId !== undefined) events.emit('receiverBound', s.systemId);
    });
  };
  const servers = [new SmppServer({ host: smpp.tcp.host, port: smpp.tcp.port, session, logger, onSession })];
  if (tls && smpp.tls) servers.push(new SmppServer({ host: smpp.tls.host, port: smpp.tls.port, tls, session, logger, onSession }));

  const close = async () => {
    await Promise.all(servers.map((s) => s.close((session) => handles.get(session)?.close() ?? Promise.resolve(), CLOSE_DEADLINE_MS)));
    queue.close();
  };
  const ports: number[] = [];
  try {
    for (const server of servers) ports.push((await server.listen()).port);
  } catch (err) {
    await close();
    throw new GatewayError('CONFIG_INVALID', `cannot listen for SMPP clients: ${err instanceof Error ? err.message : String(err)}; free the port or change smpp.tcp / smpp.tls`, { cause: err });
  }
  logger.info('listening for SMPP clients', { port: ports[0], tlsPort: ports[1] });
  return {
    port: ports[0]!,
    ...(ports[1] !== undefined ? { tlsPort: ports[1] } : {}),
    get sessions() {
      return new Set(servers.flatMap((server) => [...server.sessions]));
    },
    registry: services.registry,
    events,
    admission: services.admission,
    close,
  };
}
