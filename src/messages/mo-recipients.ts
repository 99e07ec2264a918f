/**
 * Where a (whole or joined) MO is committed: the client's inbox (client_mo), or, for a proxy
 * session, a new message relayed to the other party. Long MO are joined first (mo-parts.ts)
 * and only then relayed (PRODUCT.md), so both kinds go through the one reassembly, which
 * knows its recipient by a string: an account's system_id, or `relayRecipient(leg)`.
 *
 * A relayed message is a message of its own (its own id, attempts and carrier receipt), of
 * the session's account, with no receipt owed to that account's client: it did not submit it.
 * Its content is already rewritten (numbers/mo-router.ts): from the other party's pool
 * number, to that party's alias; the dispatcher puts the real number in when it sends.
 */
import type { MessageStore } from './message-store.js';
import type { MoInbox } from './mo-inbox.js';
import type { MessageContent } from './types.js';

/** Longer than any system_id (15 characters), so it can never be mistaken for one. */
const RELAY_PREFIX = 'relay-to-leg:';

/** The recipient string of a message relayed to a session leg's party. */
export function relayRecipient(legId: string): string {
  return RELAY_PREFIX + legId;
}

function relayedLeg(recipient: string): string | undefined {
  return recipient.startsWith(RELAY_PREFIX) ? recipient.slice(RELAY_PREFIX.length) : undefined;
}

export class MoRecipients implements Pick<MoInbox, 'accept' | 'insertInWrite' | 'announce'> {
  constructor(
    private readonly o: {
      inbox: Pick<MoInbox, 'accept' | 'insertInWrite' | 'announce'>;
      store: Pick<MessageStore, 'writes' | 'insertInWrite'>;
      /** The account of a session leg (the relayed message is its message). */
      accountOfLeg: (legId: string) => string | undefined;
      /** A relayed message was committed: the dispatcher may send it. */
      relayed: () => void;
      /**
       * Told of each relay inside the write that inserts its message, so what it writes
       * commits with it (webhooks' outbox): the message id and the leg it goes to.
       */
      onRelay?: (relay: { messageId: string; account: string; toLeg: string; at: number }) => void;
    },
  ) {}

  async accept(recipient: string, carrier: string, content: MessageContent, now = Date.now()): Promise<string> {
    if (relayedLeg(recipient) === undefined) return this.o.inbox.accept(recipient, carrier, content, now);
    let id = '';
    await this.o.store.writes.write(() => {
      id = this.#relay(recipient, content, now);
    });
    this.o.relayed();
    return id;
  }

  insertInWrite(recipient: string, carrier: string, content: MessageContent, now: number): void {
    if (relayedLeg(recipient) === undefined) this.o.inbox.insertInWrite(recipient, carrier, content, now);
    else this.#relay(recipient, content, now);
  }

  announce(recipient: string): void {
    if (relayedLeg(recipient) === undefined) this.o.inbox.announce(recipient);
    else this.o.relayed();
  }

  #relay(recipient: string, content: MessageContent, now: number): string {
    const leg = relayedLeg(recipient)!;
    // A leg whose session was removed meanwhile still has its row (ended legs are kept), so
    // the account is known; an unknown leg is a bug, not bad input.
    const account = this.o.accountOfLeg(leg);
    if (account === undefined) throw new Error(`relay to an unknown session leg ${leg}`);
    const messageId = this.o.store.insertInWrite({ account, content, registeredDelivery: 0, validUntil: null, relayLeg: leg }, null, now);
    this.o.onRelay?.({ messageId, account, toLeg: leg, at: now });
    return messageId;
  }
}
