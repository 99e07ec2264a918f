/**
 * The audit trail (obs/audit.ts) from the operator's seat: every change a CLI command makes
 * is recorded with the operator as actor (cli-actor.ts), on the command's own connection.
 *
 * Where the change is one synchronous store operation, it and its row commit in one
 * IMMEDIATE transaction (the operation's own transaction nests as a savepoint): a change is
 * never committed without its row, nor a row without its change. A change that awaits (a
 * password hash) is recorded once it has committed.
 *
 * Privacy: the caller describes a change by ids, names and counts, never a real number.
 */
import { existsSync } from 'node:fs';
import { resolveConfigPath, type LoadedConfig } from '../config/loader.js';
import { asGatewayError } from '../errors.js';
import { AuditLog, type AuditEntry } from '../obs/audit.js';
import type { Database } from '../store/database.js';
import { openRoutingStore } from '../store/routing-store.js';
import { cliActor } from './cli-actor.js';

/** A change as a command describes it; the actor is always the operator. */
export type AuditedChange = Omit<AuditEntry, 'actor'>;

export class CliAudit {
  readonly #log: AuditLog;
  readonly #actor = cliActor();

  constructor(db: Database, auditKey: Buffer) {
    this.#log = new AuditLog(db, auditKey);
  }

  /**
   * Runs `change` and records what `describe` makes of its result, in one transaction;
   * `describe` returns undefined when the result says nothing changed (nothing to record).
   */
  change<T>(change: () => T, describe: (result: T) => AuditedChange | undefined): T {
    return this.#log.change(this.#actor, change, describe);
  }

  /** Records a change that has already committed. */
  record(entry: AuditedChange): void {
    this.#log.record({ actor: this.#actor, ...entry });
  }
}

/**
 * Records a change made outside the routing store (key file, TLS files). Before the routing
 * store exists there is no trail to add to (a fresh installation's first `tls init`), and the
 * store is not created for it. Returns why the change could not be recorded, for the command
 * to tell the operator, when the store cannot be opened (its master key missing or replaced):
 * the change is made either way.
 */
export function auditOutsideStore(config: LoadedConfig, entry: AuditedChange): string | undefined {
  if (!existsSync(resolveConfigPath(config, config.stores.routing.path))) return undefined;
  let opened: ReturnType<typeof openRoutingStore>;
  try {
    opened = openRoutingStore(config);
  } catch (err) {
    return asGatewayError(err).message;
  }
  try {
    new CliAudit(opened.db, opened.auditKey).record(entry);
    return undefined;
  } finally {
    opened.db.close();
  }
}
