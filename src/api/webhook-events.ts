/**
 * What an account is told by webhook, and in what words. Each method is called inside the
 * write that commits the event's cause (an MO's insert, a relay, a final state, the sweep
 * that ended a holder) and queues the event in the outbox in that same write, for the
 * accounts whose endpoint takes that event (WebhookSettings.wants, cached: this runs per
 * message). Nothing here waits for a network: the sender delivers later.
 *
 * The body is `{ id, type, created_at, account, data }`, times in ISO 8601 (UTC):
 * - mo: message_id, from (as the account sees the sender over SMPP: the real sender on its
 *   own numbers and leases, the alias on a mask), to, text (decoded; null for binary),
 *   data_coding, received_at, lease_id, mask_id (null when not through one);
 * - session.relayed: session_id, message_id (the relayed message, whose dlr follows),
 *   from_leg/from_alias (the party who wrote), to_leg/to_alias, relayed_at. No number and
 *   no text: an account never sees its sessions' parties;
 * - dlr: message_id, state, error_code, done_at, for every final state of the account's
 *   messages (the relays of its sessions included), whether a receipt was asked for or not;
 * - lease.expired, mask.expired, session.expired: the id, the account's reference, the pool
 *   number(s) (ours) and alias(es), expires_at, ended_at.
 * A masked party's real number is in none of them: a mask's MO was rewritten to come from
 * the alias before it got here (numbers/mo-router.ts).
 *
 * Never throws: a webhook problem must not roll back the message it describes. A failure is
 * logged (without the body) and counted.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { WebhookEvent, WebhookSettings } from '../accounts/webhook-settings.js';
import { readMoPart, type MoTextSettings } from '../carriers/mo-reassembly.js';
import { randomPiece } from '../keys/random-pool.js';
import type { InsertedMo } from '../messages/mo-inbox.js';
import type { MessageContent, MessageState } from '../messages/types.js';
import type { EndedHolders } from '../numbers/number-sweeper.js';
import type { RelayLeg } from '../numbers/relays.js';
import type { Logger } from '../obs/logger.js';
import { decodeText } from '../smpp/encoding/text-codec.js';
import type { WebhookOutbox } from './webhook-outbox.js';

type Data = Record<string, unknown>;

const iso = (ms: number) => new Date(ms).toISOString();

/** The text of an MO as its account would read it, or null when it is not text. */
function moText(content: MessageContent, settings: MoTextSettings): string | null {
  const read = readMoPart(content, settings);
  if (!read.ok) return null;
  const text = decodeText(read.value.body);
  return text.ok ? text.value.text : null;
}

export class WebhookEvents {
  /** Events that could not be queued (logged): they are lost, the message they describe is not. */
  readonly counters = { queued: 0, failed: 0 };
  readonly #maskByAlias: Statement<[string, string], string>;
  readonly #leaseOf: Statement<[string, string, number], string>;

  constructor(
    private readonly o: {
      db: Database;
      outbox: Pick<WebhookOutbox, 'insert'>;
      settings: Pick<WebhookSettings, 'wants'>;
      /** A relay leg by id, in any state. */
      leg: (id: string) => RelayLeg | undefined;
      /** Whether an address has the form of our mask aliases. */
      isAlias: (address: string) => boolean;
      /** How the carrier an MO came from writes text. */
      textOf: (carrier: string) => MoTextSettings;
      logger: Logger;
    },
  ) {
    this.#maskByAlias = o.db.prepare<[string, string], string>("SELECT id FROM relay_legs WHERE alias = ? AND account = ? AND kind = 'mask'").pluck();
    // The lease that brought it: the account's latest lease of that number begun by then
    // (an MO held for review may be released after the lease ended).
    this.#leaseOf = o.db.prepare<[string, string, number], string>('SELECT id FROM leases WHERE number = ? AND account = ? AND created_at <= ? ORDER BY created_at DESC LIMIT 1').pluck();
  }

  mo(mo: InsertedMo): void {
    this.#emit(mo.account, 'mo', mo.receivedAt, () => {
      const { content } = mo;
      const from = content.sourceAddr;
      const to = content.destinationAddr;
      const maskId = this.o.isAlias(from) ? this.#maskByAlias.get(from.replace(/^\+/, ''), mo.account) : undefined;
      const toNumber = /^\+?\d{1,15}$/.test(to) ? `+${to.replace(/^\+/, '')}` : undefined;
      const leaseId = maskId === undefined && toNumber !== undefined ? this.#leaseOf.get(toNumber, mo.account, mo.receivedAt) : undefined;
      return {
        message_id: mo.id,
        from,
        to,
        text: moText(content, this.o.textOf(mo.carrier)),
        data_coding: content.dataCoding,
        received_at: iso(mo.receivedAt),
        lease_id: leaseId ?? null,
        mask_id: maskId ?? null,
      };
    });
  }

  /** A session party's message was relayed to the other party (`toLeg`). */
  relayed(relay: { messageId: string; account: string; toLeg: string; at: number }): void {
    this.#emit(relay.account, 'session.relayed', relay.at, () => {
      const to = this.o.leg(relay.toLeg);
      const from = to?.peerLeg == null ? undefined : this.o.leg(to.peerLeg);
      return {
        session_id: to?.sessionId ?? null,
        message_id: relay.messageId,
        from_leg: from?.id ?? null,
        from_alias: from?.alias ?? null,
        to_leg: relay.toLeg,
        to_alias: to?.alias ?? null,
        relayed_at: iso(relay.at),
      };
    });
  }

  dlr(final: { id: string; account: string; state: MessageState; errorCode: number; doneAt: number }): void {
    this.#emit(final.account, 'dlr', final.doneAt, () => ({ message_id: final.id, state: final.state, error_code: final.errorCode, done_at: iso(final.doneAt) }));
  }

  /** Leases, masks and sessions the sweeper ended by TTL. */
  expired(ended: EndedHolders): void {
    for (const lease of ended.leases) {
      const endedAt = lease.endedAt ?? lease.expiresAt;
      this.#emit(lease.account, 'lease.expired', endedAt, () => ({
        lease_id: lease.id,
        reference: lease.reference,
        pool_number: lease.number,
        expires_at: iso(lease.expiresAt),
        ended_at: iso(endedAt),
      }));
    }
    for (const mask of ended.masks) {
      const endedAt = mask.endedAt ?? mask.expiresAt;
      this.#emit(mask.account, 'mask.expired', endedAt, () => ({
        mask_id: mask.id,
        reference: mask.reference,
        alias: mask.alias,
        pool_number: mask.number,
        expires_at: iso(mask.expiresAt),
        ended_at: iso(endedAt),
      }));
    }
    for (const session of ended.sessions) {
      const endedAt = session.endedAt ?? session.expiresAt;
      this.#emit(session.account, 'session.expired', endedAt, () => ({
        session_id: session.id,
        reference: session.reference,
        parties: session.parties.map((p) => ({ leg: p.leg, alias: p.alias, pool_number: p.number })),
        expires_at: iso(session.expiresAt),
        ended_at: iso(endedAt),
      }));
    }
  }

  /** Queues one event if the account takes it; the data is built only then. */
  #emit(account: string, type: WebhookEvent, at: number, data: () => Data): void {
    try {
      if (!this.o.settings.wants(account, type)) return;
      const id = `evt_${randomPiece(12).toString('hex')}`;
      const body = JSON.stringify({ id, type, created_at: iso(at), account, data: data() });
      this.o.outbox.insert({ id, account, event: type, body, now: at });
      this.counters.queued++;
    } catch (err) {
      this.counters.failed++;
      this.o.logger.error('a webhook event could not be queued; the event is lost, what it describes is not', { systemId: account, event: type, error: err instanceof Error ? err.message : String(err) });
    }
  }
}
