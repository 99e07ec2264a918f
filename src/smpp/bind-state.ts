/**
 * The bind state machine of one SMPP session (SMPP 3.4 §2.2), for both roles: we are the
 * SMSC toward clients and the ESME toward carriers. Which requests a peer may send depends
 * on our role and the state; one lookup answers it (smtp-server's _onCommand).
 */
export type BindState =
  /** Connected, no bind yet: only a bind (or enquire_link) is acceptable. */
  | 'open'
  /** A bind request is being decided (SMSC) or awaits its response (ESME). */
  | 'binding'
  /** Bound as transmitter: the ESME submits, the SMSC delivers nothing. */
  | 'bound_tx'
  /** Bound as receiver: the SMSC delivers, the ESME submits nothing. */
  | 'bound_rx'
  /** Bound as transceiver: both directions. */
  | 'bound_trx'
  /** An unbind was sent or received; only responses and the unbind_resp still flow. */
  | 'unbinding'
  /** The connection is gone; nothing flows. */
  | 'closed';

export type BindMode = 'transmitter' | 'receiver' | 'transceiver';
export type SessionRole = 'esme' | 'smsc';

export const BIND_COMMAND: Record<BindMode, string> = {
  transmitter: 'bind_transmitter',
  receiver: 'bind_receiver',
  transceiver: 'bind_transceiver',
};

export const BOUND_STATE: Record<BindMode, BindState> = {
  transmitter: 'bound_tx',
  receiver: 'bound_rx',
  transceiver: 'bound_trx',
};

export function bindModeOf(command: string): BindMode | undefined {
  switch (command) {
    case 'bind_transmitter':
      return 'transmitter';
    case 'bind_receiver':
      return 'receiver';
    case 'bind_transceiver':
      return 'transceiver';
    default:
      return undefined;
  }
}

export const TRANSITIONS: Record<BindState, readonly BindState[]> = {
  open: ['binding', 'closed'],
  binding: ['open', 'bound_tx', 'bound_rx', 'bound_trx', 'closed'],
  bound_tx: ['unbinding', 'closed'],
  bound_rx: ['unbinding', 'closed'],
  bound_trx: ['unbinding', 'closed'],
  unbinding: ['closed'],
  closed: [],
};

export function isBound(state: BindState): boolean {
  return state === 'bound_tx' || state === 'bound_rx' || state === 'bound_trx';
}

/** States in which this side may send messages of each direction. */
export function canSubmit(state: BindState): boolean {
  return state === 'bound_tx' || state === 'bound_trx';
}

export function canDeliver(state: BindState): boolean {
  return state === 'bound_rx' || state === 'bound_trx';
}

const ESME_TO_SMSC_BOUND_TX = ['submit_sm', 'submit_multi', 'data_sm', 'query_sm', 'cancel_sm', 'replace_sm', 'enquire_link', 'unbind'];
const SMSC_TO_ESME_BOUND_RX = ['deliver_sm', 'data_sm', 'alert_notification', 'enquire_link', 'unbind'];

/**
 * Requests the PEER may send us, by our role and state. enquire_link is answered before a
 * bind because many ESMEs probe a fresh connection with it.
 */
const ALLOWED: Record<SessionRole, Record<BindState, ReadonlySet<string>>> = {
  smsc: {
    open: new Set(['bind_transmitter', 'bind_receiver', 'bind_transceiver', 'enquire_link']),
    binding: new Set(['enquire_link']),
    bound_tx: new Set(ESME_TO_SMSC_BOUND_TX),
    bound_rx: new Set(['enquire_link', 'unbind']),
    bound_trx: new Set(ESME_TO_SMSC_BOUND_TX),
    unbinding: new Set(),
    closed: new Set(),
  },
  esme: {
    open: new Set(['outbind', 'enquire_link']),
    binding: new Set(['enquire_link']),
    bound_tx: new Set(['enquire_link', 'unbind']),
    bound_rx: new Set(SMSC_TO_ESME_BOUND_RX),
    bound_trx: new Set(SMSC_TO_ESME_BOUND_RX),
    unbinding: new Set(),
    closed: new Set(),
  },
};

export function peerMaySend(role: SessionRole, state: BindState, command: string): boolean {
  return ALLOWED[role][state].has(command);
}

/** Requests WE may send, by our role and state (the mirror of the table above). */
export function weMaySend(role: SessionRole, state: BindState, command: string): boolean {
  if (command === 'unbind') return isBound(state);
  if (bindModeOf(command)) return role === 'esme' && state === 'binding';
  return ALLOWED[role === 'esme' ? 'smsc' : 'esme'][state].has(command);
}
