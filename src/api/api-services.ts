/**
 * What the HTTP API works with: the daemon's books and stores, handed in by main.ts. The API
 * holds no state of its own beyond its failed-authentication counts.
 */
import type { AccountStore } from '../accounts/account-store.js';
import type { ApiTokens } from '../accounts/api-tokens.js';
import type { MessageStatus } from '../messages/message-store.js';
import type { NewMessage } from '../messages/types.js';
import type { LeaseBook } from '../numbers/leases.js';
import type { NumberPool } from '../numbers/number-pool.js';
import type { RelayBook } from '../numbers/relays.js';
import type { AuditLog } from '../obs/audit.js';
import type { GatewayMetrics } from '../obs/metrics.js';

export interface Readiness {
  ready: boolean;
  checks: { stores: boolean; carrierBindUp: boolean };
}

export interface ApiServices {
  leases: LeaseBook;
  relays: RelayBook;
  pool: NumberPool;
  accounts: AccountStore;
  tokens: ApiTokens;
  audit: AuditLog;
  /** Messages of the account accepted by this daemon and not final yet. */
  queued(account: string): number;
  /** A message's state and attempts (no numbers, no text). */
  status(id: string): MessageStatus | undefined;
  /**
   * Accepts a message as an SMPP submit is accepted: the account's throughput (429) and
   * queue (429), content rules (422; audited as `actor`), then a durable enqueue; resolves with our id.
   */
  submit(message: NewMessage, actor: string): Promise<string>;
  /** Resolves once every commit made so far is on disk: before a lease or mask is answered. */
  durable(): Promise<void>;
  readiness(): Readiness;
  /** /metrics, and the provisioning latency the API observes (request to durable answer). */
  metrics: Pick<GatewayMetrics, 'contentType' | 'render' | 'provisioned'>;
  limits: { maxMessagePayloadOctets: number };
}
