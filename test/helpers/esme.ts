/**
 * A small ESME for tests: binds to a simulator (or later the gateway) with our client
 * wrapper, answers every deliver_sm, and lets a test await the next ones.
 */
import { connectAndBind } from '../../src/smpp/client.js';
import type { Pdu, PduFields } from '../../src/smpp/codec.js';
import type { SmppSession } from '../../src/smpp/session.js';
import type { BindMode } from '../../src/smpp/bind-state.js';
import { createLogger } from '../../src/obs/logger.js';
import type { ClientTlsOptions } from '../../src/smpp/client.js';

export const quietLogger = createLogger({ level: 'error' });

export interface TestEsme {
  session: SmppSession;
  /** Resolves with the next `n` deliver_sm received (including ones already waiting). */
  nextDelivers(n: number): Promise<Pdu[]>;
  submit(fields: PduFields): Promise<Pdu>;
  close(): Promise<void>;
}

export async function bindEsme(opts: {
  port: number;
  host?: string;
  systemId?: string;
  password?: string;
  mode?: BindMode;
  tls?: ClientTlsOptions;
  windowSize?: number;
  deliverStatus?: number;
  /** interface_version of the bind: 0x33 binds as an SMPP 3.3 client. Default 0x34. */
  interfaceVersion?: number;
}): Promise<TestEsme> {
  const received: Pdu[] = [];
  let waiter: { n: number; resolve: (pdus: Pdu[]) => void } | undefined;
  const check = () => {
    if (waiter && received.length >= waiter.n) {
      const { n, resolve } = waiter;
      waiter = undefined;
      resolve(received.splice(0, n));
    }
  };
  const session = await connectAndBind({
    host: opts.host ?? '127.0.0.1',
    port: opts.port,
    tls: opts.tls,
    connectTimeoutMs: 5_000,
    mode: opts.mode ?? 'transceiver',
    credentials: { system_id: opts.systemId ?? 'test', password: opts.password ?? 'secret', interface_version: opts.interfaceVersion ?? 0x34 },
    session: { windowSize: opts.windowSize ?? 100, responseTimeoutMs: 10_000, maxPduBytes: 65_536, logger: quietLogger },
    onRequest: (pdu, s) => {
      if (pdu.command !== 'deliver_sm') return;
      s.respond(pdu, { message_id: '' }, opts.deliverStatus ?? 0);
      received.push(pdu);
      check();
    },
  });
  return {
    session,
    nextDelivers(n) {
      return new Promise((resolve) => {
        waiter = { n, resolve };
        check();
      });
    },
    submit: (fields) => session.request('submit_sm', fields),
    close: async () => {
      if (!session.closed) await session.unbind();
    },
  };
}

/** A generated Uzbek mobile number (+998 90 …), never a real subscriber's. */
export function testNumber(seed = Math.floor(Math.random() * 9_999_999)): string {
  return `99890${String(seed % 10_000_000).padStart(7, '0')}`;
}
