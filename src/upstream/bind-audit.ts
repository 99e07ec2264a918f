/**
 * Client binds in the audit trail (obs/audit.ts): each accepted bind, each refused one (a
 * failed login: unknown system_id, wrong password, or a bind rule), with the system_id it
 * gave, its address and why. Binds are rare next to messages, so a row each costs nothing on
 * the message path.
 *
 * A password-guessing storm must not flood the trail: the lockout (accounts/lockout.ts) locks
 * an address after a few failures, and from then on its attempts are refused unheard. The
 * trail gets the failures before the lock, one `bind.lockout` row when it begins, and nothing
 * for the attempts it refuses; the lock's end shows as the next row from that address.
 *
 * A failure to write the row is logged, never turned into a refused bind: the trail's gap
 * then shows in the log.
 */
import type { AuditEntry } from '../obs/audit.js';
import type { Logger } from '../obs/logger.js';
import { statusLabel } from '../smpp/status.js';
import type { BindResult } from './bind-steps.js';

export interface BindAttemptFacts {
  systemId: string;
  mode: string;
  /** The client's IP address. */
  peer: string;
}

export type BindRefusal = Extract<BindResult, { ok: false }>;

export interface BindAuditOptions {
  audit: { record(entry: AuditEntry): unknown };
  logger: Logger;
  /** Told of every refusal, recorded or not (the status snapshot's recent errors). */
  onRefused?: (facts: BindAttemptFacts, refusal: BindRefusal) => void;
}

export class BindAudit {
  readonly #o: BindAuditOptions;

  constructor(opts: BindAuditOptions) {
    this.#o = opts;
  }

  accepted(facts: BindAttemptFacts): void {
    this.#record({ actor: actorOf(facts), action: 'bind.accepted', subject: facts.systemId, detail: { peer: facts.peer, mode: facts.mode } });
  }

  refused(facts: BindAttemptFacts, refusal: BindRefusal): void {
    // The client left before its bind was registered: nothing was refused.
    if (refusal.step === 'register') return;
    this.#o.onRefused?.(facts, refusal);
    if (refusal.lockout === 'locked') return; // the lock was recorded when it began
    const detail = { peer: facts.peer, mode: facts.mode, status: statusLabel(refusal.status), step: refusal.step, reason: refusal.reason };
    this.#record({ actor: actorOf(facts), action: 'bind.refused', subject: facts.systemId, detail });
    if (refusal.lockout === 'began') {
      this.#record({ actor: 'daemon', action: 'bind.lockout', subject: facts.peer, detail: { peer: facts.peer, lastSystemId: facts.systemId } });
    }
  }

  #record(entry: AuditEntry): void {
    try {
      this.#o.audit.record(entry);
    } catch (err) {
      this.#o.logger.error('a bind could not be recorded in the audit trail', { action: entry.action, systemId: entry.subject, error: err instanceof Error ? err.message : String(err) });
    }
  }
}

/** `smpp:<system_id>`, as the client named itself (possibly an id that does not exist). */
const actorOf = (facts: BindAttemptFacts): string => `smpp:${facts.systemId}`;
