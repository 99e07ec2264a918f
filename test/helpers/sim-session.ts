/**
 * Session-level helpers for simulator tests, beside test/helpers/esme.ts: a bound session
 * with a chosen response timeout, a promise for a session's close, and a round trip that
 * proves the peer has read everything sent before it.
 */
import { connectAndBind, type ClientTlsOptions } from '../../src/smpp/client.js';
import type { SessionClose, SmppSession } from '../../src/smpp/session.js';
import type { BindMode } from '../../src/smpp/bind-state.js';
import { quietLogger } from './esme.js';

export function sessionOptions(responseTimeoutMs = 10_000) {
  return { windowSize: 100, responseTimeoutMs, maxPduBytes: 65_536, logger: quietLogger };
}

/** Binds with our client wrapper; `responseTimeoutMs` is how long each request may wait. */
export function bindSession(opts: {
  port: number;
  systemId?: string;
  password?: string;
  mode?: BindMode;
  tls?: ClientTlsOptions;
  responseTimeoutMs?: number;
}): Promise<SmppSession> {
  return connectAndBind({
    host: '127.0.0.1',
    port: opts.port,
    tls: opts.tls,
    connectTimeoutMs: 5_000,
    mode: opts.mode ?? 'transceiver',
    credentials: { system_id: opts.systemId ?? 'test', password: opts.password ?? 'secret' },
    session: sessionOptions(opts.responseTimeoutMs),
  });
}

/** Resolves with the close of a session (at once if it is already closed). */
export function whenClosed(session: SmppSession): Promise<SessionClose | undefined> {
  if (session.closed) return Promise.resolve(undefined);
  return new Promise((resolve) => session.once('close', resolve));
}

/**
 * An enquire_link round trip. The peer reads a stream in order, so once it answers, it has
 * processed every PDU we sent before (a deliver_sm_resp, say) and updated its counters.
 */
export async function roundTrip(session: SmppSession): Promise<number> {
  const resp = await session.request('enquire_link');
  return resp.command_status;
}
