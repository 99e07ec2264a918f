/**
 * How one connection to a carrier is opened: TCP, or TLS verified against the carrier's
 * `caFile` with `rejectUnauthorized` exactly as configured (never the library default);
 * then a bind with its system_id, password and system_type. Connect and bind each have a
 * deadline (connectTimeoutMs; responseTimeoutMs for the bind_resp), and the session gets
 * the carrier's window and enquire_link timers, which tear a silent link down.
 *
 * The password and the CA file are read when the connector is made, so a missing one
 * stops start-up with its fix before any socket opens.
 */
import { readFileSync } from 'node:fs';
import type { LoadedConfig } from '../config/loader.js';
import { resolveConfigPath } from '../config/loader.js';
import { readSecret } from '../config/secret.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../obs/logger.js';
import type { BindMode } from '../smpp/bind-state.js';
import { connectAndBind, type ClientTlsOptions } from '../smpp/client.js';
import type { Pdu } from '../smpp/codec.js';
import type { BindCredentials, SmppSession } from '../smpp/session.js';

export type CarrierConfig = LoadedConfig['carriers'][number];

/**
 * Opens and binds one session. `onRequest` is attached before the bind goes out, so what
 * the carrier sends right behind its bind_resp (held receipts, MO) is not lost.
 */
export type Connector = (mode: BindMode, logger: Logger, onRequest: (pdu: Pdu, session: SmppSession) => void) => Promise<SmppSession>;

export function carrierConnector(carrier: CarrierConfig, opts: { configDir: string; maxPduBytes: number }): Connector {
  const credentials: BindCredentials = {
    system_id: carrier.systemId,
    password: readSecret(carrier, `carrier "${carrier.name}"`, opts.configDir),
    system_type: carrier.systemType,
  };
  const tls = carrier.tls.enabled ? tlsOptions(carrier, opts.configDir) : undefined;
  return (mode, logger, onRequest) =>
    connectAndBind({
      host: carrier.host,
      port: carrier.port,
      tls,
      connectTimeoutMs: carrier.connectTimeoutMs,
      mode,
      credentials,
      session: {
        windowSize: carrier.window,
        responseTimeoutMs: carrier.responseTimeoutMs,
        maxPduBytes: opts.maxPduBytes,
        enquireLinkIntervalMs: carrier.enquireLinkIntervalMs,
        enquireLinkTimeoutMs: carrier.responseTimeoutMs,
        logger,
      },
      onRequest,
    });
}

function tlsOptions(carrier: CarrierConfig, configDir: string): ClientTlsOptions {
  const { caFile, rejectUnauthorized, servername } = carrier.tls;
  let ca: Buffer | undefined;
  if (caFile !== undefined) {
    const file = resolveConfigPath({ configDir }, caFile);
    try {
      ca = readFileSync(file);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new GatewayError('CONFIG_UNREADABLE', `carrier "${carrier.name}": cannot read tls.caFile ${file} (${reason}); point it at the carrier's CA certificate (PEM)`, { cause: err });
    }
  }
  return { ca, rejectUnauthorized, servername };
}
