/**
 * Accepting sessions as an SMSC (the gateway toward its clients, the simulator toward the
 * gateway), over TCP or TLS. Each connection gets a fresh SmppSession whose listeners are
 * attached before the first byte; a handshake failure or a misbehaving peer costs only
 * that connection.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../obs/logger.js';
import { SmppSession, type SessionOptions } from './session.js';

export interface ServerTlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
  /** When set, a client must present a certificate signed by one of these CAs (mutual TLS). */
  clientCa?: string | Buffer | undefined;
}

export interface SmppServerOptions {
  host: string;
  port: number;
  tls?: ServerTlsOptions | undefined;
  /** Connections beyond this are refused at accept (a flood of binds costs nothing more). */
  maxConnections?: number | undefined;
  session: Omit<SessionOptions, 'role' | 'logger'>;
  logger: Logger;
  onSession: (session: SmppSession) => void;
}

export class SmppServer {
  readonly sessions = new Set<SmppSession>();
  private readonly server: net.Server;

  constructor(private readonly options: SmppServerOptions) {
    const accept = (socket: net.Socket) => this.accept(socket);
    const t = options.tls;
    // With a client CA, the handshake itself refuses a client without a certificate it signed:
    // such a peer never gets to send a bind.
    const clientAuth = t?.clientCa !== undefined ? { ca: t.clientCa, requestCert: true, rejectUnauthorized: true } : {};
    this.server = t ? tls.createServer({ cert: t.cert, key: t.key, ...clientAuth }, accept) : net.createServer(accept);
    if (options.maxConnections !== undefined) this.server.maxConnections = options.maxConnections;
    this.server.on('error', (err) => options.logger.error('listener error', { error: err.message }));
    this.server.on('tlsClientError', (err: Error) => options.logger.info('TLS handshake failed', { error: err.message }));
  }

  private accept(socket: net.Socket): void {
    let session: SmppSession;
    try {
      session = new SmppSession(socket, { ...this.options.session, role: 'smsc', logger: this.options.logger });
    } catch (err) {
      this.options.logger.error('could not open a session', { error: err instanceof Error ? err.message : String(err) });
      socket.destroy();
      return;
    }
    this.sessions.add(session);
    session.on('close', () => this.sessions.delete(session));
    this.options.onSession(session);
  }

  /** Starts listening; port 0 picks a free port, which the result reports. */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  get listening(): boolean {
    return this.server.listening;
  }

  /** Stops accepting and drops every session at once. */
  /**
   * Stops accepting, lets `farewell` end each session its own way (answer, unbind) for at
   * most `deadlineMs`, then drops whatever is still open.
   */
  async close(farewell?: (session: SmppSession) => Promise<void>, deadlineMs = 5_000): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
    if (farewell && this.sessions.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
      const farewells = [...this.sessions].map((s) =>
        farewell(s).catch((err: unknown) => this.options.logger.warn('closing a session failed', { sid: s.id, error: err instanceof Error ? err.message : String(err) })),
      );
      await Promise.race([Promise.all(farewells), deadline]);
      clearTimeout(timer);
    }
    for (const session of this.sessions) session.destroy('local');
    await stopped;
  }
}
