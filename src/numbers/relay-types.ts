/**
 * The shapes of masks, proxy sessions and their legs (relays.ts): the store's rows, what the
 * gateway uses (RelayLeg, which names the party's contact) and what accounts and operators
 * see (the views, which never hold a real number).
 */
import type { Config } from '../config/schema.js';

/** `forgotten`: `maskgate forget` removed the party's number (numbers/forget.ts). */
export type LegEndReason = 'ttl' | 'revoked' | 'closed' | 'forgotten';

/** A leg as the gateway uses it: who it belongs to and where its party is. */
export interface RelayLeg {
  id: string;
  kind: 'mask' | 'session';
  sessionId: string | null;
  peerLeg: string | null;
  account: string;
  /** V, the pool number (E.164). */
  number: string;
  /** The real party in the contact store: open it only to send. */
  contactId: string;
  alias: string;
  reference: string | null;
  createdAt: number;
  expiresAt: number;
  endedAt: number | null;
  endReason: LegEndReason | null;
}

/** What an account or operator sees of a mask: never the real number. */
export interface MaskView {
  id: string;
  account: string;
  alias: string;
  number: string;
  reference: string | null;
  createdAt: number;
  expiresAt: number;
  endedAt: number | null;
  endReason: LegEndReason | null;
}

export interface SessionView {
  id: string;
  account: string;
  reference: string | null;
  createdAt: number;
  expiresAt: number;
  endedAt: number | null;
  endReason: LegEndReason | null;
  /** The two parties: each texts its `number`, and the account knows it by `alias`. */
  parties: { leg: string; alias: string; number: string }[];
}

export interface RelayRequest {
  account: string;
  ttlMs: number;
  country?: string;
  carrier?: string;
  reference?: string;
}

export type RelayPolicy = Config['numbers']['relays'];

export interface LegRow {
  id: string;
  kind: string;
  session_id: string | null;
  peer_leg: string | null;
  account: string;
  number: string;
  party_index: string;
  contact_id: string;
  alias: string;
  reference: string | null;
  created_at: number;
  expires_at: number;
  ended_at: number | null;
  end_reason: string | null;
}

export interface SessionRow {
  id: string;
  account: string;
  reference: string | null;
  created_at: number;
  expires_at: number;
  ended_at: number | null;
  end_reason: string | null;
}

export function toLeg(r: LegRow): RelayLeg {
  return {
    id: r.id,
    kind: r.kind as RelayLeg['kind'],
    sessionId: r.session_id,
    peerLeg: r.peer_leg,
    account: r.account,
    number: r.number,
    contactId: r.contact_id,
    alias: r.alias,
    reference: r.reference,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    endedAt: r.ended_at,
    endReason: r.end_reason as LegEndReason | null,
  };
}

export function maskView(l: RelayLeg): MaskView {
  const { id, account, alias, number, reference, createdAt, expiresAt, endedAt, endReason } = l;
  return { id, account, alias, number, reference, createdAt, expiresAt, endedAt, endReason };
}
