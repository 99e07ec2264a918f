/**
 * Opening sessions as an ESME (toward a carrier, or the simulator in tests). node-smpp 0.5.1
 * had no connect timeout and its TLS default trusted any certificate; here the connect
 * has a deadline and certificates are verified unless the caller says otherwise in so many
 * words.
 */
import net from 'node:net';
import tls from 'node:tls';
import { GatewayError } from '../errors.js';
import { SmppSession, type BindCredentials, type SessionOptions } from './session.js';
import type { BindMode } from './bind-state.js';
import type { Pdu } from './codec.js';

export interface ClientTlsOptions {
  /** CA certificates to trust instead of the system store (PEM). */
  ca?: string | Buffer | undefined;
  /** Verify the server's certificate. Default true; false only for a lab, and it is logged. */
  rejectUnauthorized?: boolean | undefined;
  /** Name checked against the certificate; defaults to host. */
  servername?: string | undefined;
  /** Our own certificate and key (PEM), for a server that asks for one (mutual TLS). */
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
}

export interface ConnectOptions {
  host: string;
  port: number;
  tls?: ClientTlsOptions | undefined;
  connectTimeoutMs: number;
  session: Omit<SessionOptions, 'role'>;
}

export function connectSession(opts: ConnectOptions): Promise<SmppSession> {
  return new Promise((resolve, reject) => {
    let socket: net.Socket;
    const readyEvent = opts.tls ? 'secureConnect' : 'connect';
    if (opts.tls) {
      const rejectUnauthorized = opts.tls.rejectUnauthorized ?? true;
      if (!rejectUnauthorized) opts.session.logger.warn('TLS certificate verification is OFF for this connection', { host: opts.host, port: opts.port });
      socket = tls.connect({
        host: opts.host,
        port: opts.port,
        ca: opts.tls.ca,
        cert: opts.tls.cert,
        key: opts.tls.key,
        rejectUnauthorized,
        servername: opts.tls.servername ?? (net.isIP(opts.host) ? undefined : opts.host),
      });
    } else {
      socket = net.connect({ host: opts.host, port: opts.port });
    }
    const fail = (err: GatewayError) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new GatewayError('CONNECT_TIMEOUT', `no connection to ${opts.host}:${opts.port} within ${opts.connectTimeoutMs} ms; check the host, port and firewall`)),
      opts.connectTimeoutMs,
    );
    const onError = (err: Error) =>
      fail(new GatewayError('SESSION_CLOSED', `cannot connect to ${opts.host}:${opts.port}: ${err.message}`, { cause: err }));
    socket.once('error', onError);
    socket.once(readyEvent, () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(new SmppSession(socket, { ...opts.session, role: 'esme' }));
    });
  });
}

/**
 * Connects and binds; a failed bind closes the connection and rejects with the bind error.
 * `onRequest` is attached before the bind goes out, so what the SMSC sends right behind
 * its bind_resp (held receipts, MO) reaches it.
 */
export async function connectAndBind(
  opts: ConnectOptions & { mode: BindMode; credentials: BindCredentials; onRequest?: (pdu: Pdu, session: SmppSession) => void },
): Promise<SmppSession> {
  const session = await connectSession(opts);
  const { onRequest } = opts;
  if (onRequest) session.on('request', (pdu) => onRequest(pdu, session));
  try {
    await session.bind(opts.mode, opts.credentials);
  } catch (err) {
    session.destroy('local');
    throw err;
  }
  return session;
}
