/**
 * The messages a simulator instance accepted, newest last, for query_sm, cancel_sm and for
 * tests and operators to see what the gateway actually sent. Bounded: the oldest records
 * fall out once `capacity` is reached.
 */
export type SimMessageState = 'ENROUTE' | 'DELIVERED' | 'EXPIRED' | 'DELETED' | 'UNDELIVERABLE' | 'REJECTED';

export interface MessageRecord {
  messageId: string;
  systemId: string;
  command: string;
  source_addr: string;
  /** Comma-separated for submit_multi. */
  destination_addr: string;
  data_coding: number;
  esm_class: number;
  registered_delivery: number;
  short_message_hex: string;
  tlvs: Record<string, string | number>;
  receivedAt: Date;
  doneAt?: Date;
  state: SimMessageState;
}

/** message_state for query_sm_resp (SMPP 3.4 §5.2.28). */
export const QUERY_STATE: Record<SimMessageState, number> = {
  ENROUTE: 1,
  DELIVERED: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIVERABLE: 5,
  REJECTED: 8,
};

export class MessageLog {
  private readonly byId = new Map<string, MessageRecord>();

  constructor(private readonly capacity: number) {}

  add(record: MessageRecord): MessageRecord {
    if (this.byId.size >= this.capacity) {
      const oldest = this.byId.keys().next();
      if (!oldest.done) this.byId.delete(oldest.value);
    }
    this.byId.set(record.messageId, record);
    return record;
  }

  get(messageId: string): MessageRecord | undefined {
    return this.byId.get(messageId);
  }

  /** The newest `limit` records, oldest first. */
  list(limit = 100): MessageRecord[] {
    const all = [...this.byId.values()];
    return all.slice(Math.max(0, all.length - limit));
  }

  get size(): number {
    return this.byId.size;
  }

  clear(): void {
    this.byId.clear();
  }
}
