/**
 * The daemon's side of the HTTP API: what the routes work with (api-services.ts), built from
 * the running gateway, the accounts and the SMPP listener, whose account limits HTTP submits
 * share.
 */
import type { AccountStore } from '../accounts/account-store.js';
import { ApiTokens } from '../accounts/api-tokens.js';
import type { LoadedConfig } from '../config/loader.js';
import { asGatewayError, GatewayError } from '../errors.js';
import type { Gateway } from '../main.js';
import type { ClientListener } from '../upstream/client-listener.js';
import type { ApiServices } from './api-services.js';

/**
 * What the HTTP API works with. Its submits pass the same account limits as SMPP submits
 * (upstream/submit-admission.ts), and are tallied with them.
 */
export function apiServices(config: LoadedConfig, gateway: Gateway, accounts: AccountStore, listener: ClientListener, running: () => boolean): ApiServices {
  return {
    leases: gateway.leases,
    relays: gateway.relays,
    pool: gateway.pool,
    accounts,
    tokens: new ApiTokens(gateway.db, gateway.bodyKeys),
    audit: gateway.audit,
    queued: (account) => listener.admission.queued(account),
    status: (id) => gateway.status(id),
    async submit(message, actor) {
      const account = accounts.get(message.account);
      if (!account || !account.enabled) throw new GatewayError('USAGE', `account ${message.account} does not exist or is disabled`);
      const overLimit = listener.admission.admit(account);
      if (overLimit === 'THROTTLED') throw new GatewayError(overLimit, `over the account's throughput of ${account.throughputMsgPerSec} msg/s; retry after a second`);
      if (overLimit === 'QUEUE_FULL') throw new GatewayError(overLimit, `the account has ${account.maxQueued} messages not final yet (its maxQueued); retry once some are delivered`);
      try {
        const id = await gateway.enqueue(message, actor);
        listener.admission.accepted(id, account.systemId);
        return id;
      } catch (err) {
        listener.admission.failed(account.systemId, asGatewayError(err).code);
        throw err;
      }
    },
    durable: () => gateway.sync(),
    readiness() {
      const carrierBindUp = gateway.carriers.status().some((c) => c.binds.some((b) => b.state === 'bound'));
      const stores = running();
      return { ready: stores && carrierBindUp, checks: { stores, carrierBindUp } };
    },
    metrics: gateway.metrics,
    limits: { maxMessagePayloadOctets: config.smpp.maxMessagePayloadOctets },
  };
}
